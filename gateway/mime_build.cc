// MIME construction with GMime 3 (see mime_build.h); buildMessage() takes the
// direct serializer of mime_simple.cc instead when it can write the message.
#include "mime_build.h"

#include <gmime/gmime.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "gmime_ptr.h"
#include "mime_simple.h"

namespace v2v::gw {
namespace {

void ensureInit() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// A text part holding the UTF-8 bytes as they are (GMime's set_text would pick
// another charset, such as iso-8859-1, when the text fits it).
GPtr<GMimeObject> textPart(const char* subtype, const std::string& text) {
    GPtr<GMimeTextPart> p(g_mime_text_part_new_with_subtype(subtype));
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
    GPtr<GMimeDataWrapper> wrapper(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(GMIME_PART(p.get()), wrapper.get());
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(p.get()), "charset", "utf-8");
    g_mime_part_set_content_encoding(GMIME_PART(p.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return GPtr<GMimeObject>(GMIME_OBJECT(p.release()));
}

GPtr<GMimeObject> attachmentPart(const Attachment& a) {
    auto slash = a.content_type.find('/');
    std::string type = a.content_type.substr(0, slash), sub = a.content_type.substr(slash + 1);
    GPtr<GMimePart> p(g_mime_part_new_with_type(type.c_str(), sub.c_str()));
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(a.content.data(), a.content.size()));
    GPtr<GMimeDataWrapper> wrapper(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(p.get(), wrapper.get());
    g_mime_part_set_content_encoding(p.get(), GMIME_CONTENT_ENCODING_BASE64);
    g_mime_part_set_filename(p.get(), a.filename.c_str());
    if (a.inline_) {
        g_mime_object_set_disposition(GMIME_OBJECT(p.get()), GMIME_DISPOSITION_INLINE);
        g_mime_part_set_filename(p.get(), a.filename.c_str());  // keep filename with the new disposition
        g_mime_object_set_content_id(GMIME_OBJECT(p.get()), a.content_id.c_str());
    }
    return GPtr<GMimeObject>(GMIME_OBJECT(p.release()));
}

GPtr<GMimeObject> multipart(const char* subtype, std::vector<GPtr<GMimeObject>> parts) {
    GPtr<GMimeMultipart> m(g_mime_multipart_new_with_subtype(subtype));
    for (auto& p : parts) g_mime_multipart_add(m.get(), p.get());
    return GPtr<GMimeObject>(GMIME_OBJECT(m.release()));
}

GPtr<GMimeObject> body(const SendRequest& r) {
    GPtr<GMimeObject> main;
    if (r.text && r.html) {
        std::vector<GPtr<GMimeObject>> alt;
        alt.push_back(textPart("plain", *r.text));
        alt.push_back(textPart("html", *r.html));
        main = multipart("alternative", std::move(alt));
    } else if (r.html) {
        main = textPart("html", *r.html);
    } else {
        main = textPart("plain", r.text ? *r.text : std::string());
    }
    std::vector<GPtr<GMimeObject>> inlines, attached;
    for (const auto& a : r.attachments) (a.inline_ ? inlines : attached).push_back(attachmentPart(a));
    if (!inlines.empty()) {
        std::vector<GPtr<GMimeObject>> rel;
        rel.push_back(std::move(main));
        for (auto& p : inlines) rel.push_back(std::move(p));
        main = multipart("related", std::move(rel));
    }
    if (!attached.empty()) {
        std::vector<GPtr<GMimeObject>> mixed;
        mixed.push_back(std::move(main));
        for (auto& p : attached) mixed.push_back(std::move(p));
        main = multipart("mixed", std::move(mixed));
    }
    return main;
}

// GMime writes content with the newline format of the options for headers and
// boundaries; normalise every line end of the result to CRLF.
std::string toCrlf(const char* s) {
    const std::size_t n = std::strlen(s);
    std::string out;
    out.reserve(n + n / 16 + 2);
    const char* run = s;  // copied a line at a time
    for (const char* p = s; (p = static_cast<const char*>(std::memchr(p, '\n', s + n - p))); ++p) {
        if (p == s || p[-1] != '\r') {
            out.append(run, p);
            out += '\r';
            run = p;
        }
    }
    out.append(run, s + n);
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

}  // namespace

std::string buildMessage(const SendRequest& r, const BuiltHeaders& h) {
    if (simpleMessagePossible(r, h)) return writeSimpleMessage(r, h);  // checked once
    return buildMessageWithGMime(r, h);
}

std::string buildMessageWithGMime(const SendRequest& r, const BuiltHeaders& h) {
    ensureInit();
    GPtr<GMimeMessage> msg(g_mime_message_new(TRUE));
    g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, r.from.name.c_str(), r.from.email.c_str());
    for (const auto& m : r.to) g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, m.name.c_str(), m.email.c_str());
    for (const auto& m : r.cc) g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_CC, m.name.c_str(), m.email.c_str());
    if (r.reply_to)
        g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_REPLY_TO, r.reply_to->name.c_str(),
                                   r.reply_to->email.c_str());
    g_mime_message_set_subject(msg.get(), r.subject.c_str(), "utf-8");
    GDateTime* date = g_date_time_new_from_unix_utc(h.date);
    g_mime_message_set_date(msg.get(), date);
    g_date_time_unref(date);
    g_mime_message_set_message_id(msg.get(), h.message_id.c_str());
    for (const auto& [name, value] : r.headers)
        g_mime_object_append_header(GMIME_OBJECT(msg.get()), name.c_str(), value.c_str(), "utf-8");
    for (const auto& [name, value] : h.internal)
        g_mime_object_append_header(GMIME_OBJECT(msg.get()), name.c_str(), value.c_str(), nullptr);
    GPtr<GMimeObject> b = body(r);
    g_mime_message_set_mime_part(msg.get(), b.get());

    GMimeFormatOptions* opts = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    char* text = g_mime_object_to_string(GMIME_OBJECT(msg.get()), opts);
    g_mime_format_options_free(opts);
    if (!text) throw std::runtime_error("GMime could not serialise the message");
    std::string out = toCrlf(text);
    g_free(text);
    return out;
}

}  // namespace v2v::gw
