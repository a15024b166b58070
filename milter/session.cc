// One milter connection (see session.h).
#include "session.h"

#include <stdexcept>

#include "dkim_keys.h"
#include "dkim_lib.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "log.h"
#include "milter_metrics.h"
#include "spf_policy.h"

namespace v2v::milter {

struct Session::Message {
    HeaderList headers;
    std::size_t bytes = 0;  // headers + body held, against milter.max_message_bytes
    bool tooBig = false;
    std::string body;  // outbound only: the rewrite stages and the signers need all of it
    std::unique_ptr<DkimVerifier> verifier;
    std::vector<SpfOutcome> spf;
    std::string receivedSpf;
};

namespace {

std::string stripAngles(std::string s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

std::string domainOf(const std::string& addr) {
    auto at = addr.rfind('@');
    return at == std::string::npos ? addr : addr.substr(at + 1);
}

std::string joinDkim(const std::vector<DkimResult>& r) {
    if (r.empty()) return "none";
    std::string out;
    for (const auto& d : r)
        out += (out.empty() ? "" : ",") + d.result + ":" + d.domain + "/" + d.selector;
    return out;
}

}  // namespace

Session::Session(RuntimeSource source) : source_(std::move(source)), rt_(source_()) {
    if (!rt_) throw std::logic_error("milter session without a runtime");
}

Session::~Session() = default;

Verdict Session::connect(MilterIo& io, const std::string& hostname, const std::optional<IpAddress>& addr,
                         int port) {
    hostname_ = logSafe(hostname, 255);
    addr_ = addr;
    port_ = port;
    daemonName_ = io.macro("{daemon_name}").value_or("");
    return Verdict::cont;
}

Verdict Session::helo(MilterIo&, const std::string& name) {
    helo_ = logSafe(name, 255);
    return Verdict::cont;
}

Verdict Session::mailFrom(MilterIo& io, const std::string& sender) {
    abortMessage();
    rt_ = source_();  // a reload applies from the next message on
    msg_ = std::make_unique<Message>();
    sender_ = stripAngles(sender);
    authUser_ = io.macro("{auth_authen}").value_or("");
    ClientInfo c;
    c.addr = addr_;
    c.authUser = authUser_;
    c.daemonName = daemonName_;
    c.localSubmission = isLocalSubmission(hostname_, addr_, port_);
    direction_ = decideDirection(c, rt_->direction);
    Verdict v = Verdict::cont;
    if (direction_.direction == Direction::inbound) checkSpf(io, v);
    if (v != Verdict::cont) metrics::message("inbound", v == Verdict::reject ? "reject" : "tempfail");  // issue 7
    return v;
}

void Session::checkSpf(MilterIo& io, Verdict& verdict) {
    const MilterSpfConfig& cfg = rt_->cfg().spf;
    if (!rt_->spf || !addr_ || rt_->spfBypass.contains(*addr_)) return;
    std::string ip = addr_->str();
    auto cached = [&](const std::string& identity, const std::string& subject) {
        std::string key = ip + "\n" + identity + "\n" + subject + "\n" + helo_;
        SpfAnswer a;
        if (!rt_->spfCache->get(key, a)) {
            a = identity == "helo" ? rt_->spf->checkHelo(*addr_, helo_) : rt_->spf->checkMailFrom(*addr_, helo_, subject);
            rt_->spfCache->put(key, a);
        }
        return a;
    };
    // The null sender is checked through its HELO identity (RFC 7208 section 2.4).
    bool nullSender = sender_.empty();
    if (nullSender && helo_.empty()) return;
    SpfAnswer main = nullSender ? cached("helo", helo_) : cached("mailfrom", sender_);
    metrics::spf(spfResultName(main.result));  // issue 7
    std::string domain = nullSender ? helo_ : domainOf(sender_);
    msg_->spf.push_back({spfResultName(main.result), nullSender ? "helo" : "mailfrom", nullSender ? helo_ : sender_});
    msg_->receivedSpf = main.receivedSpf;
    if (!nullSender && cfg.check_helo && !helo_.empty())
        msg_->spf.push_back({spfResultName(cached("helo", helo_).result), "helo", helo_});
    SpfVerdict v = spfVerdict(main.result, cfg, domain, ip, main.explanation);
    if (v.action == SpfVerdict::Action::accept) return;
    io.setReply(v.rcode, v.xcode, v.text);
    verdict = v.action == SpfVerdict::Action::reject ? Verdict::reject : Verdict::tempfail;
    V2V_LOG(notice, queueId_) << (verdict == Verdict::reject ? "reject" : "tempfail") << ": spf="
                              << spfResultName(main.result) << " client=" << ip << " from=<" << logSafe(sender_)
                              << "> helo=" << helo_ << ": " << v.rcode << " " << v.xcode;
}

void Session::header(const std::string& name, const std::string& value) {
    if (!msg_) msg_ = std::make_unique<Message>();
    msg_->bytes += name.size() + value.size() + 3;
    if (msg_->bytes > static_cast<std::size_t>(rt_->cfg().max_message_bytes)) {
        msg_->tooBig = true;
        return;
    }
    msg_->headers.push_back({name, value});
}

Verdict Session::endOfHeaders(MilterIo& io) {
    refreshQueueId(io);
    if (!msg_) msg_ = std::make_unique<Message>();
    if (direction_.direction == Direction::inbound && rt_->cfg().dkim.verify && !msg_->tooBig) {
        msg_->verifier = std::make_unique<DkimVerifier>(*rt_->dkim, queueId_);
        msg_->verifier->headers(msg_->headers);
    }
    return Verdict::cont;
}

void Session::body(std::string_view chunk) {
    if (!msg_ || msg_->tooBig) return;
    if (direction_.direction == Direction::inbound) {
        if (msg_->verifier) msg_->verifier->body(chunk);
        return;
    }
    msg_->bytes += chunk.size();
    if (msg_->bytes > static_cast<std::size_t>(rt_->cfg().max_message_bytes)) {
        msg_->tooBig = true;
        msg_->body.clear();
        msg_->body.shrink_to_fit();
        return;
    }
    msg_->body.append(chunk);
}

Verdict Session::endOfMessage(MilterIo& io) {
    refreshQueueId(io);
    if (!deferred_.empty()) {
        std::string what = std::move(deferred_);
        deferred_.clear();
        throw std::runtime_error(what);
    }
    if (!msg_) msg_ = std::make_unique<Message>();
    const std::string& prefix = rt_->cfg().internal_header_prefix;
    auto internal = internalHeaders(msg_->headers, prefix);
    for (const auto& ref : internal) io.deleteHeader(ref.name, ref.index);
    HeaderList kept, internalList;
    kept.reserve(msg_->headers.size());
    for (const auto& h : msg_->headers) (istartsWith(h.name, prefix) ? internalList : kept).push_back(h);
    Verdict v = direction_.direction == Direction::outbound ? outbound(io, kept, internalList)
                                                            : inbound(io, kept, internal.size());
    metrics::message(directionName(direction_.direction),  // issue 7
                     v == Verdict::reject ? "reject" : v == Verdict::tempfail ? "tempfail" : "accept");
    msg_.reset();
    return v;
}

Verdict Session::outbound(MilterIo& io, const HeaderList& received, const HeaderList& internal) {
    const MilterConfig& cfg = rt_->cfg();
    std::string msgid = headerValue(received, "Message-ID").value_or("");
    msgid = logSafe(msgid.substr(std::min(msgid.find_first_not_of(" \t"), msgid.size())), 128);
    if (msg_->tooBig) {
        io.setReply("552", "5.3.4", "message too large to sign (milter.max_message_bytes)");
        V2V_LOG(notice, queueId_) << "reject: outbound message over milter.max_message_bytes ("
                                  << cfg.max_message_bytes << ") from=<" << logSafe(sender_) << ">";
        metrics::dkimSign("too_big");  // issue 7
        return Verdict::reject;
    }
    // Internal headers are trusted here only: this is outbound mail (direction.h).
    OutboundContext ctx{internal, sender_, authUser_, queueId_};
    HeaderList kept = received;
    RewriteOutcome rw = rewriteBody(rt_->bodyStages, ctx, kept, msg_->body);
    if (rw.bodyChanged) {
        io.replaceBody(msg_->body);
        metrics::bodyRewritten();  // issue 7
    }
    for (const auto& h : rw.headerEdits) io.changeHeader(h.name, 1, h.value);
    std::string signedText = "off";
    if (!cfg.dkim.sign) metrics::dkimSign("disabled");  // issue 7
    if (cfg.dkim.sign) {
        KeyChoice choice = chooseKeys(rt_->keys, fromDomain(kept), authUser_, rt_->users, cfg.dkim.sign_parent_domain);
        if (choice.keys.empty()) {
            signedText = "none (" + choice.reason + ")";
            metrics::dkimSign("no_key");  // issue 7
        } else {
            auto sigs = signMessage(*rt_->dkim, choice.keys, kept, msg_->body, queueId_, rt_->canon);
            // Inserted at the top in reverse, so the first key's signature ends up first.
            for (auto it = sigs.rbegin(); it != sigs.rend(); ++it) io.insertHeader(0, "DKIM-Signature", " " + *it);
            metrics::dkimSign("signed");  // issue 7
            for (const DkimKey* k : choice.keys) metrics::dkimSignature(algorithmName(k->algorithm));
            signedText = choice.domain + ":";
            for (std::size_t i = 0; i < choice.keys.size(); ++i)
                signedText += (i ? "," : "") + choice.keys[i]->selector;
        }
    }
    V2V_LOG(info, queueId_) << "outbound (" << direction_.reason << ") from=<" << logSafe(sender_) << "> msgid="
                            << msgid << " dkim=" << signedText << " stripped=" << internal.size()
                            << (rw.notes.empty() ? "" : " ") << rw.notes;
    return Verdict::cont;
}

Verdict Session::inbound(MilterIo& io, const HeaderList& kept, std::size_t stripped) {
    const MilterConfig& cfg = rt_->cfg();
    auto forged = forgedAuthResults(kept, rt_->authservId);
    for (const auto& ref : forged) io.deleteHeader(ref.name, ref.index);
    AuthResults ar;
    ar.dkimChecked = cfg.dkim.verify;
    if (msg_->verifier) {
        ar.dkim = msg_->verifier->finish();
    } else if (cfg.dkim.verify && msg_->tooBig) {
        ar.dkim.push_back({"temperror", "", "", "", "", "message too large to verify"});
    }
    ar.spf = msg_->spf;
    if (cfg.dkim.verify) {  // issue 7
        for (const auto& d : ar.dkim) metrics::dkimVerify(d.result);
        if (ar.dkim.empty()) metrics::dkimVerify("none");
    }
    if (ar.dkimChecked || !ar.spf.empty())
        io.insertHeader(0, "Authentication-Results", formatAuthResults(rt_->authservId, ar));
    if (cfg.spf.received_spf && !msg_->receivedSpf.empty())
        io.insertHeader(0, "Received-SPF", " " + msg_->receivedSpf);
    std::string spf = ar.spf.empty() ? "none" : ar.spf.front().result;
    V2V_LOG(info, queueId_) << "inbound client=" << (addr_ ? addr_->str() : std::string("unknown")) << " from=<"
                            << logSafe(sender_) << "> dkim=" << (cfg.dkim.verify ? joinDkim(ar.dkim) : "off")
                            << " spf=" << spf << " removed_auth_results=" << forged.size()
                            << " stripped=" << stripped;
    return Verdict::cont;
}

void Session::deferFailure(const char* stage, const std::string& what) {
    if (deferred_.empty()) deferred_ = std::string(stage) + ": " + what;
}

void Session::abortMessage() {
    msg_.reset();
    deferred_.clear();
    queueId_ = "NOQUEUE";
    sender_.clear();
    authUser_.clear();
}

void Session::refreshQueueId(MilterIo& io) {
    if (auto q = io.macro("i"); q && !q->empty()) queueId_ = logSafe(*q, 64);
}

Verdict Session::failed(MilterIo& io, const char* stage, const std::exception& e) {
    const std::string action = rt_ ? rt_->cfg().on_error : "tempfail";
    V2V_LOG(error, queueId_) << stage << ": " << logSafe(e.what()) << " (on_error=" << action << ")";
    metrics::error(stage);  // issue 7
    msg_.reset();
    try {
        if (action == "tempfail") io.setReply("451", "4.3.0", "v2v-milter: internal error; try again later");
        else if (action == "reject") io.setReply("550", "5.3.0", "v2v-milter: internal error");
    } catch (const std::exception&) {
        // The reply is best effort; the verdict below still applies.
    }
    if (action == "accept") return Verdict::accept;
    return action == "reject" ? Verdict::reject : Verdict::tempfail;
}

}  // namespace v2v::milter
