// One milter connection's protocol state (see dispatcher.h).
#include "dispatcher.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "log.h"
#include "milter_metrics.h"
#include "protocol.h"

namespace v2v::milter {

namespace p = proto;

RuntimeHolder& currentRuntime() {
    static RuntimeHolder holder;
    return holder;
}

namespace {

constexpr std::size_t kNoStage = 7;  // one past the last stage (endOfHeaders = 6)

std::size_t stageOf(char forCommand) {
    switch (forCommand) {
        case p::cmd::connect: return p::stage::connect;
        case p::cmd::helo: return p::stage::helo;
        case p::cmd::mail: return p::stage::mail;
        case p::cmd::rcpt: return p::stage::rcpt;
        case p::cmd::data: return p::stage::data;
        case p::cmd::endOfMessage: return p::stage::endOfMessage;
        case p::cmd::endOfHeaders: return p::stage::endOfHeaders;
        default: return kNoStage;  // macros for a step the milter does not look at
    }
}

std::string_view unbraced(std::string_view name) {
    return (name.size() > 2 && name.front() == '{' && name.back() == '}') ? name.substr(1, name.size() - 2) : name;
}

constexpr std::uint32_t kActions = p::action::addHeaders | p::action::changeBody | p::action::changeHeaders;
constexpr std::uint32_t kSteps = p::step::headerLeadingSpace | p::step::nrConnect | p::step::nrHelo |
                                 p::step::nrHeader | p::step::nrEndOfHeaders | p::step::nrBody | p::step::noRcpt |
                                 p::step::noUnknown | p::step::noData;

}  // namespace

void Dispatcher::Macros::set(char forCommand, std::vector<std::pair<std::string, std::string>> values) {
    std::size_t s = stageOf(forCommand);
    if (s != kNoStage) stages_[s] = std::move(values);
}

std::optional<std::string> Dispatcher::Macros::get(std::string_view name) const {
    std::string_view bare = unbraced(name);
    for (const auto& stage : stages_)
        for (const auto& [n, v] : stage)
            if (n == name || unbraced(n) == bare) return v;
    return std::nullopt;
}

void Dispatcher::Macros::clearFrom(std::size_t stage) {
    for (std::size_t s = stage; s < stages_.size(); ++s) stages_[s].clear();
}

// Session's view of the connection: macros, and modifications collected as
// reply packets (only at the end of the message, only those negotiated).
class Dispatcher::Io : public MilterIo {
public:
    explicit Io(Dispatcher& d) : d_(d) {}

    std::optional<std::string> macro(const char* name) override { return d_.macros_.get(name); }
    void insertHeader(int index, const std::string& name, const std::string& value) override {
        allowed(p::action::addHeaders, "insert header " + name);
        p::appendPacket(*d_.edits_, p::reply::insertHeader, p::headerEditData(checkIndex(index), name, adapt(value)));
    }
    void deleteHeader(const std::string& name, int index) override {
        allowed(p::action::changeHeaders, "delete header " + name);
        p::appendPacket(*d_.edits_, p::reply::changeHeader, p::headerEditData(checkIndex(index), name, ""));
    }
    void changeHeader(const std::string& name, int index, const std::string& value) override {
        allowed(p::action::changeHeaders, "change header " + name);
        p::appendPacket(*d_.edits_, p::reply::changeHeader, p::headerEditData(checkIndex(index), name, adapt(value)));
    }
    void replaceBody(std::string_view body) override {
        allowed(p::action::changeBody, "replace body");
        constexpr std::size_t chunk = 65535;  // the MTA's body chunk size
        for (std::size_t off = 0; off < body.size(); off += chunk)
            p::appendPacket(*d_.edits_, p::reply::replaceBody, body.substr(off, chunk));
        if (body.empty()) p::appendPacket(*d_.edits_, p::reply::replaceBody, "");
    }
    void setReply(const std::string& rcode, const std::string& xcode, const std::string& text) override {
        bool ok = rcode.size() == 3 && (rcode[0] == '4' || rcode[0] == '5') &&
                  std::isdigit(static_cast<unsigned char>(rcode[1])) &&
                  std::isdigit(static_cast<unsigned char>(rcode[2])) && !xcode.empty() && xcode[0] == rcode[0];
        for (char c : text) ok = ok && c != '\r' && c != '\n' && c != '\0';
        if (!ok) throw MilterIoError("invalid SMTP reply " + rcode + " " + xcode);
        d_.reply_ = rcode + " " + xcode + " " + text;
    }

private:
    Dispatcher& d_;

    void allowed(std::uint32_t action, const std::string& what) const {
        if (d_.edits_ == nullptr) throw MilterIoError(what + ": only possible at the end of the message");
        if (!(d_.actions_ & action)) throw MilterIoError(what + ": the MTA did not allow it");
    }
    static std::uint32_t checkIndex(int index) {
        if (index < 0) throw MilterIoError("negative header index");
        return static_cast<std::uint32_t>(index);
    }
    // Without the leading-space option the MTA adds the space after the colon itself.
    std::string adapt(const std::string& v) const {
        bool keep = d_.steps_ & p::step::headerLeadingSpace;
        return (!keep && !v.empty() && v[0] == ' ') ? v.substr(1) : v;
    }
};

Dispatcher::Dispatcher(Session::RuntimeSource source)
    : source_(std::move(source)), session_(std::make_unique<Session>(source_)) {}

Dispatcher::~Dispatcher() = default;

template <class F>
Verdict Dispatcher::guarded(const char* stage, F f) {
    Io io(*this);
    // issue 7: time per step (also when it fails).
    auto t0 = std::chrono::steady_clock::now();
    Verdict v;
    try {
        v = f(*session_, io);
    } catch (const std::exception& e) {
        v = session_->failed(io, stage, e);
    } catch (...) {
        v = session_->failed(io, stage, std::runtime_error("unknown exception"));
    }
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
    metrics::callback(stage, d.count());
    return v;
}

void Dispatcher::answer(Verdict v, std::uint32_t noReplyStep, std::string& out) {
    if (noReplyStep != 0 && (steps_ & noReplyStep)) {
        // No reply is read for this step: the verdict answers a later step that gets one.
        Verdict& slot = (noReplyStep & (p::step::nrConnect | p::step::nrHelo)) ? pendingConnection_ : pending_;
        if (v != Verdict::cont && slot == Verdict::cont) slot = v;
        return;
    }
    switch (v) {
        case Verdict::cont: p::appendPacket(out, p::reply::cont, ""); break;
        case Verdict::accept: p::appendPacket(out, p::reply::accept, ""); break;
        case Verdict::reject:
        case Verdict::tempfail: {
            char cls = v == Verdict::reject ? '5' : '4';
            if (!reply_.empty() && reply_[0] == cls) {
                std::string text = reply_;
                text.push_back('\0');
                p::appendPacket(out, p::reply::replyCode, text);
            } else {
                p::appendPacket(out, v == Verdict::reject ? p::reply::reject : p::reply::tempfail, "");
            }
            break;
        }
    }
    reply_.clear();
}

void Dispatcher::negotiate(std::string_view data, std::string& out) {
    p::Options mta = p::parseOptions(data);
    if (mta.version < 2) throw p::ProtocolError("MTA milter protocol version " + std::to_string(mta.version));
    actions_ = mta.actions & kActions;
    steps_ = mta.steps & kSteps;
    p::Options mine{std::min(mta.version, p::kVersion), actions_, steps_};
    // Only the macros the milter reads: smaller packets, and none at all at
    // MAIL FROM for unauthenticated clients (the MTA sends only macros with values).
    std::vector<std::pair<std::uint32_t, std::string>> symlists;
    if (mta.actions & p::action::setSymlist) {
        mine.actions |= p::action::setSymlist;
        symlists = {{p::stage::connect, "{daemon_name}"}, {p::stage::mail, "{auth_authen}"}};
    }
    p::appendPacket(out, p::reply::optneg, p::encodeOptions(mine, symlists));
}

void Dispatcher::endOfMessage(std::string& out) {
    Verdict v = pending_;
    const std::size_t mark = out.size();
    if (v == Verdict::cont) {
        edits_ = &out;  // the edits go out just before the final reply
        v = guarded("end of message", [](Session& s, MilterIo& io) { return s.endOfMessage(io); });
        edits_ = nullptr;
    }
    // A rejected or deferred message keeps no edits (the MTA would drop them).
    // With milter.on_error: accept, the edits made before the failure are
    // sent: each is complete, and the internal headers are removed first.
    if (v != Verdict::cont && v != Verdict::accept) out.resize(mark);
    pending_ = Verdict::cont;
    answer(v, 0, out);
    endMessage();
}

Verdict Dispatcher::body(std::string_view chunk) {
    return guarded("body", [&](Session& s, MilterIo&) {
        s.body(chunk);
        return Verdict::cont;
    });
}

void Dispatcher::endMessage() {
    inMessage_ = false;
    pending_ = Verdict::cont;
    reply_.clear();
    macros_.clearFrom(p::stage::mail);
}

Dispatcher::After Dispatcher::handle(char command, std::string_view data, std::string& out) {
    switch (command) {
        case p::cmd::optneg: negotiate(data, out); return After::more;
        case p::cmd::macro: {
            // Postfix sends macros before every step, each header and body chunk included.
            if (data.empty()) throw p::ProtocolError("macro packet without its command");
            if (stageOf(data[0]) == kNoStage) return After::more;
            p::Macros m = p::parseMacros(data);
            macros_.set(m.forCommand, std::move(m.values));
            return After::more;
        }
        case p::cmd::connect: {
            p::ConnectInfo c = p::parseConnect(data);
            std::optional<IpAddress> ip;
            if (c.family == '4' || c.family == '6') {
                std::string_view a = c.address;
                if (a.rfind("IPv6:", 0) == 0) a.remove_prefix(5);
                ip = parseIp(a);
            }
            Verdict v = guarded("connect", [&](Session& s, MilterIo& io) {
                return s.connect(io, c.hostname, ip, c.port);
            });
            answer(v, p::step::nrConnect, out);
            return After::more;
        }
        case p::cmd::helo: {
            auto args = p::parseStrings(data);
            std::string name = args.empty() ? "" : args[0];
            answer(guarded("helo", [&](Session& s, MilterIo& io) { return s.helo(io, name); }), p::step::nrHelo, out);
            return After::more;
        }
        case p::cmd::mail: {
            // (The macros for MAIL FROM came just before: they are kept.)
            auto args = p::parseStrings(data);
            std::string sender = args.empty() ? "" : args[0];
            pending_ = Verdict::cont;       // a new message
            Verdict v = pendingConnection_;  // connect or HELO failed: no message on this connection
            if (v == Verdict::cont)
                v = guarded("mail", [&](Session& s, MilterIo& io) { return s.mailFrom(io, sender); });
            inMessage_ = v == Verdict::cont;
            answer(v, 0, out);
            return After::more;
        }
        case p::cmd::header: {
            p::HeaderField h = p::parseHeader(data);
            if (!(steps_ & p::step::headerLeadingSpace)) h.value.insert(0, " ");
            Verdict v = guarded("header", [&](Session& s, MilterIo&) {
                s.header(h.name, h.value);
                return Verdict::cont;
            });
            answer(v, p::step::nrHeader, out);
            return After::more;
        }
        case p::cmd::endOfHeaders:
            answer(guarded("end of headers", [](Session& s, MilterIo& io) { return s.endOfHeaders(io); }),
                   p::step::nrEndOfHeaders, out);
            return After::more;
        case p::cmd::body: answer(body(data), p::step::nrBody, out); return After::more;
        case p::cmd::endOfMessage:
            // A last chunk in the end-of-message packet gets no reply of its own.
            if (!data.empty())
                if (Verdict v = body(data); v != Verdict::cont && pending_ == Verdict::cont) pending_ = v;
            endOfMessage(out);
            return After::more;
        case p::cmd::abort:
            session_->abortMessage();
            endMessage();
            return After::more;
        case p::cmd::rcpt:
        case p::cmd::data:
        case p::cmd::unknown:
            // Not asked for (negotiated away); answered if the MTA sends them anyway.
            answer(Verdict::cont, 0, out);
            return After::more;
        case p::cmd::quitNewConnection:
            session_ = std::make_unique<Session>(source_);
            pendingConnection_ = Verdict::cont;
            macros_.clearFrom(0);
            endMessage();
            return After::more;
        case p::cmd::quit: return After::close;
        default:
            throw p::ProtocolError(std::string("unknown milter command 0x") + "0123456789abcdef"[(command >> 4) & 15] +
                                   "0123456789abcdef"[command & 15]);
    }
}

}  // namespace v2v::milter
