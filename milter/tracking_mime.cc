// The MIME side of the tracking rewrite (see tracking_mime.h). GMime parses
// with a persistent stream, so each part's content is a window on the input
// and each header knows its offset: edits are byte splices on the original.
#include "tracking_mime.h"

#include <gmime/gmime.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "transfer_encoding.h"

namespace v2v::milter {
namespace {

// Leaves the message unchanged; what() is the reason.
class Skip : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct GUnref {
    void operator()(void* p) const {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GUnref>;

struct OptionsFree {
    void operator()(GMimeParserOptions* p) const { g_mime_parser_options_free(p); }
};

void ensureGMime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

const char* warningName(GMimeParserWarning w) {
    switch (w) {
        case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid content type";
        case GMIME_WARN_MALFORMED_MULTIPART: return "multipart without parts";
        case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated message (missing boundary)";
        case GMIME_WARN_MALFORMED_MESSAGE: return "malformed message";
        case GMIME_WARN_PART_WITHOUT_CONTENT: return "part without content";
        case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header name";
        case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting headers";
        case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting parameters";
        case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without boundary";
        case GMIME_CRIT_NESTING_OVERFLOW: return "nesting overflow";
        case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "part without headers or content";
        default: return nullptr;  // benign: duplicated header, 8-bit header, bad RFC 2047 word, ...
    }
}

void onWarning(gint64, GMimeParserWarning code, const gchar*, gpointer data) {
    auto* first = static_cast<const char**>(data);
    if (const char* name = warningName(code); name && !*first) *first = name;
}

struct IconvClose {
    void operator()(iconv_t* cd) const {
        g_mime_iconv_close(*cd);
        delete cd;
    }
};

// Strict charset conversion (an invalid or unconvertible byte is a Skip).
std::string convert(const std::string& to, const std::string& from, std::string_view in) {
    iconv_t raw = g_mime_iconv_open(to.c_str(), from.c_str());
    if (raw == reinterpret_cast<iconv_t>(-1)) throw Skip("unknown charset " + (to == "UTF-8" ? from : to));
    std::unique_ptr<iconv_t, IconvClose> cd(new iconv_t(raw));
    std::string out(in.size() + in.size() / 2 + 64, '\0');
    char* inp = const_cast<char*>(in.data());
    std::size_t inLeft = in.size(), done = 0;
    for (bool flushing = false;;) {
        char* outp = out.data() + done;
        std::size_t outLeft = out.size() - done;
        std::size_t r = flushing ? iconv(*cd, nullptr, nullptr, &outp, &outLeft)
                                 : iconv(*cd, &inp, &inLeft, &outp, &outLeft);
        done = out.size() - outLeft;
        if (r == static_cast<std::size_t>(-1)) {
            if (errno != E2BIG) throw Skip("text is not valid " + from);
            out.resize(out.size() * 2);
            continue;
        }
        if (r > 0) throw Skip("text cannot be converted exactly from " + from + " to " + to);
        if (flushing) break;
        flushing = true;  // stateful charsets (ISO-2022-*) return to the initial state
    }
    out.resize(done);
    return out;
}

bool identityCharset(const std::string& cs) {
    std::string c;
    for (char ch : cs) c.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    return c.empty() || c == "utf-8" || c == "utf8" || c == "us-ascii" || c == "ascii";
}

struct Edit {
    std::size_t begin, end;  // offsets in the whole message
    std::string text;
};

class MimeRewriter {
public:
    MimeRewriter(const HeaderList& headers, std::string_view body, const LinkPolicy& p, const MimeLimits& l)
        : policy_(p), limits_(l) {
        for (const auto& h : headers) msg_ += headerLine(h) + "\r\n";
        msg_ += "\r\n";
        bodyOffset_ = msg_.size();
        msg_.append(body);
    }

    MimeRewrite run() {
        GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(msg_.data(), msg_.size()));
        GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
        g_mime_parser_set_persist_stream(parser.get(), TRUE);
        std::unique_ptr<GMimeParserOptions, OptionsFree> opts(g_mime_parser_options_new());
        const char* problem = nullptr;
        g_mime_parser_options_set_warning_callback(opts.get(), onWarning, &problem);
        GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), opts.get()));
        if (!message) throw Skip("malformed MIME: not a message");
        if (problem) throw Skip(std::string("malformed MIME: ") + problem);
        message_ = message.get();
        root_ = g_mime_message_get_mime_part(message.get());
        if (!root_) throw Skip("malformed MIME: no body part");
        stream_ = stream.get();
        walk(root_, 0);
        MimeRewrite r;
        if (edits_.empty()) return r;
        r.outcome = MimeOutcome::rewritten;
        r.body = splice();
        r.topHeaders = std::move(topHeaders_);
        r.links = links_;
        r.pixel = pixel_;
        r.parts = parts_;
        return r;
    }

private:
    const LinkPolicy& policy_;
    const MimeLimits& limits_;
    std::string msg_;
    std::size_t bodyOffset_ = 0;
    GMimeMessage* message_ = nullptr;
    GMimeObject* root_ = nullptr;
    GMimeStream* stream_ = nullptr;
    int seen_ = 0, links_ = 0, parts_ = 0;
    bool pixel_ = false;
    std::vector<Edit> edits_;
    HeaderList topHeaders_;

    void walk(GMimeObject* o, int depth) {
        if (++seen_ > limits_.maxParts) throw Skip("more than " + std::to_string(limits_.maxParts) + " MIME parts");
        if (depth > limits_.maxDepth) throw Skip("MIME nesting deeper than " + std::to_string(limits_.maxDepth));
        // Signed or encrypted content must stay byte-exact; a forwarded message is someone else's.
        if (GMIME_IS_MULTIPART_SIGNED(o) || GMIME_IS_MULTIPART_ENCRYPTED(o) || GMIME_IS_MESSAGE_PART(o)) return;
        if (GMIME_IS_MULTIPART(o)) {
            GMimeMultipart* mp = GMIME_MULTIPART(o);
            int n = g_mime_multipart_get_count(mp);
            for (int i = 0; i < n; ++i) walk(g_mime_multipart_get_part(mp, i), depth + 1);
            return;
        }
        if (!GMIME_IS_PART(o)) return;
        GMimeContentType* ct = g_mime_object_get_content_type(o);
        bool html = g_mime_content_type_is_type(ct, "text", "html");
        bool text = limits_.textLinks && g_mime_content_type_is_type(ct, "text", "plain");
        if (!html && !text) return;
        GMimeContentDisposition* disp = g_mime_object_get_content_disposition(o);
        if (disp && g_mime_content_disposition_is_attachment(disp)) return;
        if (g_mime_part_get_filename(GMIME_PART(o))) return;  // a named file, even inline
        rewritePart(GMIME_PART(o), html);
    }

    // [begin, end) of the part's content in msg_.
    std::pair<std::size_t, std::size_t> contentRange(GMimePart* part) {
        GMimeDataWrapper* w = g_mime_part_get_content(part);
        GMimeStream* s = w ? g_mime_data_wrapper_get_stream(w) : nullptr;
        if (!s || s->super_stream != stream_ || s->bound_start < static_cast<gint64>(bodyOffset_) ||
            s->bound_end < s->bound_start || s->bound_end > static_cast<gint64>(msg_.size()))
            throw Skip("unexpected MIME layout");
        return {static_cast<std::size_t>(s->bound_start), static_cast<std::size_t>(s->bound_end)};
    }

    // The declared Content-Transfer-Encoding headers of an entity.
    std::vector<GMimeHeader*> encodingHeaders(GMimeObject* o) {
        std::vector<GMimeHeader*> out;
        GMimeHeaderList* list = g_mime_object_get_header_list(o);
        for (int i = 0, n = g_mime_header_list_get_count(list); i < n; ++i) {
            GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
            if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Content-Transfer-Encoding") == 0) out.push_back(h);
        }
        if (out.size() > 1) throw Skip("more than one Content-Transfer-Encoding");
        return out;
    }

    void rewritePart(GMimePart* part, bool html) {
        GMimeObject* obj = GMIME_OBJECT(part);
        auto headers = encodingHeaders(obj);
        GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
        if (!headers.empty() && enc == GMIME_CONTENT_ENCODING_DEFAULT)
            throw Skip("unknown Content-Transfer-Encoding");
        if (enc == GMIME_CONTENT_ENCODING_UUENCODE) return;
        auto [begin, end] = contentRange(part);
        std::string_view raw(msg_.data() + begin, end - begin);
        bool b64 = enc == GMIME_CONTENT_ENCODING_BASE64, qp = enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
        std::optional<std::string> decoded = b64 ? decodeBase64(raw) : qp ? decodeQuotedPrintable(raw) : std::string(raw);
        if (!decoded) throw Skip(b64 ? "invalid base64" : "invalid quoted-printable");
        const char* csParam = g_mime_object_get_content_type_parameter(obj, "charset");
        std::string charset = csParam ? csParam : "";
        bool identity = identityCharset(charset);
        std::string utf8 = identity ? std::move(*decoded) : convert("UTF-8", charset, *decoded);
        HtmlRewrite r = html ? rewriteHtml(utf8, policy_) : rewriteTextLinks(utf8, policy_);
        if (!r.changed()) return;
        std::string out = identity ? std::move(r.text) : convert(charset, "UTF-8", r.text);
        bool finalBreak = !raw.empty() && raw.back() == '\n';
        edits_.push_back({begin, end, b64 ? encodeBase64(out, finalBreak) : encodeQuotedPrintable(out)});
        if (!b64 && !qp) setQuotedPrintable(obj, headers, begin);
        links_ += r.links;
        pixel_ = pixel_ || r.pixel;
        ++parts_;
    }

    // The entity's Content-Transfer-Encoding becomes quoted-printable.
    void setQuotedPrintable(GMimeObject* obj, const std::vector<GMimeHeader*>& cte, std::size_t contentBegin) {
        if (obj == root_) {
            topHeaders_.push_back({"Content-Transfer-Encoding", " quoted-printable"});
            if (!g_mime_object_get_header(GMIME_OBJECT(message_), "MIME-Version"))
                topHeaders_.push_back({"MIME-Version", " 1.0"});
            return;
        }
        // The header block ends with an empty line just before the content.
        std::size_t b = contentBegin;
        std::size_t blank = b >= 4 && msg_.compare(b - 4, 4, "\r\n\r\n") == 0 ? 2
                            : b >= 2 && msg_.compare(b - 2, 2, "\n\n") == 0 ? 1 : 0;
        if (blank == 0) throw Skip("unexpected MIME layout");
        std::size_t headerEnd = b - blank;
        std::string line = "Content-Transfer-Encoding: quoted-printable" + std::string(blank == 2 ? "\r\n" : "\n");
        if (cte.empty()) {
            edits_.push_back({headerEnd, headerEnd, line});
            return;
        }
        gint64 off = g_mime_header_get_offset(cte[0]);
        std::size_t next = headerEnd;
        GMimeHeaderList* list = g_mime_object_get_header_list(obj);
        for (int i = 0, n = g_mime_header_list_get_count(list); i < n; ++i) {
            gint64 o = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));
            if (o > off && static_cast<std::size_t>(o) < next) next = static_cast<std::size_t>(o);
        }
        if (off < static_cast<gint64>(bodyOffset_) || static_cast<std::size_t>(off) >= headerEnd ||
            g_ascii_strncasecmp(msg_.data() + off, "Content-Transfer-Encoding", 25) != 0)
            throw Skip("unexpected MIME layout");
        edits_.push_back({static_cast<std::size_t>(off), next, line});
    }

    std::string splice() {
        std::sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
        std::string out;
        std::size_t grow = 0;
        for (const auto& e : edits_) grow += e.text.size();
        out.reserve(msg_.size() - bodyOffset_ + grow);
        std::size_t pos = bodyOffset_;
        for (const auto& e : edits_) {
            if (e.begin < pos) throw Skip("overlapping MIME edits");
            out.append(msg_, pos, e.begin - pos);
            out += e.text;
            pos = e.end;
        }
        out.append(msg_, pos, std::string::npos);
        // A body that ended with a line break still does (signers require it).
        if (msg_.back() == '\n' && (out.empty() || out.back() != '\n')) out += "\r\n";
        return out;
    }
};

}  // namespace

MimeRewrite rewriteMime(const HeaderList& headers, std::string_view body, const LinkPolicy& policy,
                        const MimeLimits& limits) {
    MimeRewrite failed;
    failed.outcome = MimeOutcome::failed;
    if (body.size() > limits.maxBytes) {
        failed.reason = "larger than " + std::to_string(limits.maxBytes) + " bytes";
        return failed;
    }
    try {
        ensureGMime();
        return MimeRewriter(headers, body, policy, limits).run();
    } catch (const Skip& e) {
        failed.reason = e.what();
    } catch (const std::exception& e) {
        failed.reason = std::string("internal error: ") + e.what();
    }
    return failed;
}

}  // namespace v2v::milter
