// libmilter callbacks (see callbacks.h). Per-connection state is a
// unique_ptr released into smfi_setpriv and taken back in close; close may
// come without state, so it carries no required work.
#include "callbacks.h"

#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>

#include "log.h"
#include "milter_metrics.h"
#include "session.h"

namespace v2v::milter {
namespace {

// What the MTA agreed to in option negotiation.
struct Conn {
    std::unique_ptr<Session> session;
    bool leadingSpace = false;   // SMFIP_HDR_LEADSPC
    unsigned long noReply = 0;   // SMFIP_NR_* granted
};

class SmfiIo : public MilterIo {
public:
    SmfiIo(SMFICTX* ctx, bool leadingSpace) : ctx_(ctx), leadingSpace_(leadingSpace) {}

    std::optional<std::string> macro(const char* name) override {
        const char* v = smfi_getsymval(ctx_, const_cast<char*>(name));
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    }
    void insertHeader(int index, const std::string& name, const std::string& value) override {
        std::string v = adapt(value);
        if (smfi_insheader(ctx_, index, const_cast<char*>(name.c_str()), v.data()) != MI_SUCCESS)
            throw MilterIoError("smfi_insheader " + name + " failed");
    }
    void deleteHeader(const std::string& name, int index) override {
        if (smfi_chgheader(ctx_, const_cast<char*>(name.c_str()), index, nullptr) != MI_SUCCESS)
            throw MilterIoError("smfi_chgheader " + name + " failed");
    }
    void changeHeader(const std::string& name, int index, const std::string& value) override {
        std::string v = adapt(value);
        if (smfi_chgheader(ctx_, const_cast<char*>(name.c_str()), index, v.data()) != MI_SUCCESS)
            throw MilterIoError("smfi_chgheader " + name + " failed");
    }
    void replaceBody(std::string_view body) override {
        constexpr std::size_t chunk = 65535;  // MILTER_CHUNK_SIZE
        for (std::size_t off = 0; off < body.size(); off += chunk) {
            std::size_t n = std::min(chunk, body.size() - off);
            auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(body.data() + off));
            if (smfi_replacebody(ctx_, p, static_cast<int>(n)) != MI_SUCCESS)
                throw MilterIoError("smfi_replacebody failed");
        }
    }
    void setReply(const std::string& rcode, const std::string& xcode, const std::string& text) override {
        if (smfi_setreply(ctx_, const_cast<char*>(rcode.c_str()), const_cast<char*>(xcode.c_str()),
                          const_cast<char*>(text.c_str())) != MI_SUCCESS)
            throw MilterIoError("smfi_setreply failed");
    }

private:
    SMFICTX* ctx_;
    bool leadingSpace_;
    // Without SMFIP_HDR_LEADSPC the MTA adds the space after the colon itself.
    std::string adapt(const std::string& v) const {
        return (!leadingSpace_ && !v.empty() && v[0] == ' ') ? v.substr(1) : v;
    }
};

Conn* conn(SMFICTX* ctx) { return static_cast<Conn*>(smfi_getpriv(ctx)); }

Conn* ensureConn(SMFICTX* ctx) {
    if (Conn* c = conn(ctx)) return c;
    auto c = std::make_unique<Conn>();
    c->session = std::make_unique<Session>([] { return currentRuntime().get(); });
    if (smfi_setpriv(ctx, c.get()) != MI_SUCCESS) return nullptr;
    return c.release();
}

sfsistat toStatus(Verdict v) {
    switch (v) {
        case Verdict::cont: return SMFIS_CONTINUE;
        case Verdict::accept: return SMFIS_ACCEPT;
        case Verdict::reject: return SMFIS_REJECT;
        case Verdict::tempfail: return SMFIS_TEMPFAIL;
    }
    return SMFIS_TEMPFAIL;
}

// One catch per callback: any exception becomes milter.on_error.
template <class F>
sfsistat guarded(SMFICTX* ctx, const char* stage, F f) {
    Conn* c = conn(ctx);
    if (c == nullptr) {
        V2V_LOG(error, "NOQUEUE") << stage << ": no connection state; tempfail";
        return SMFIS_TEMPFAIL;
    }
    SmfiIo io(ctx, c->leadingSpace);
    // issue 7: callback latency (also when it fails).
    struct Timed {
        const char* stage;
        std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
        ~Timed() {
            std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
            try {
                metrics::callback(stage, d.count());
            } catch (...) {
            }
        }
    } timed{stage};
    try {
        return toStatus(f(*c->session, io));
    } catch (const std::exception& e) {
        return toStatus(c->session->failed(io, stage, e));
    } catch (...) {
        return toStatus(c->session->failed(io, stage, std::runtime_error("unknown exception")));
    }
}

sfsistat cbNegotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                     unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    Conn* c = nullptr;
    try {
        c = ensureConn(ctx);
    } catch (const std::exception& e) {
        V2V_LOG(error, "NOQUEUE") << "negotiate: " << e.what();
    }
    if (c == nullptr) return SMFIS_TEMPFAIL;
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY);
    // Fewer round trips: no replies for connect, HELO, each header, the end of
    // the headers and body chunks (nothing is decided there; an error is
    // reported at the end of the message), no RCPT/DATA/unknown events at all.
    unsigned long want = SMFIP_HDR_LEADSPC | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_EOH |
                         SMFIP_NR_BODY | SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA;
    *pf1 = f1 & want;
    *pf2 = 0;
    *pf3 = 0;
    c->leadingSpace = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
    c->noReply = *pf1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY);
    // Only the macros the milter reads: smaller packets, and none at all at
    // MAIL FROM for unauthenticated clients (the MTA sends only macros with values).
    if (f0 & SMFIF_SETSYMLIST) {
        *pf0 |= SMFIF_SETSYMLIST;
        smfi_setsymlist(ctx, SMFIM_CONNECT, const_cast<char*>("{daemon_name}"));
        smfi_setsymlist(ctx, SMFIM_ENVFROM, const_cast<char*>("{auth_authen}"));
    }
    return SMFIS_CONTINUE;
}

sfsistat noReplyOr(SMFICTX* ctx, unsigned long flag, sfsistat st) {
    Conn* c = conn(ctx);
    return (st == SMFIS_CONTINUE && c && (c->noReply & flag)) ? SMFIS_NOREPLY : st;
}

sfsistat cbConnect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* addr) {
    try {
        if (ensureConn(ctx) == nullptr) return SMFIS_TEMPFAIL;
    } catch (const std::exception& e) {
        V2V_LOG(error, "NOQUEUE") << "connect: " << e.what();
        return SMFIS_TEMPFAIL;
    }
    int port = 0;
    if (addr && addr->sa_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(addr)->sin_port);
    if (addr && addr->sa_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(addr)->sin6_port);
    std::string host = hostname ? hostname : "";
    auto st = guarded(ctx, "connect", [&](Session& s, MilterIo& io) {
        return s.connect(io, host, ipFromSockaddr(addr), port);
    });
    return noReplyOr(ctx, SMFIP_NR_CONN, st);
}

sfsistat cbHelo(SMFICTX* ctx, char* name) {
    std::string helo = name ? name : "";
    auto st = guarded(ctx, "helo", [&](Session& s, MilterIo& io) { return s.helo(io, helo); });
    return noReplyOr(ctx, SMFIP_NR_HELO, st);
}

sfsistat cbEnvFrom(SMFICTX* ctx, char** argv) {
    std::string sender = (argv && argv[0]) ? argv[0] : "";
    return guarded(ctx, "mail", [&](Session& s, MilterIo& io) { return s.mailFrom(io, sender); });
}

sfsistat cbHeader(SMFICTX* ctx, char* name, char* value) {
    Conn* c = conn(ctx);
    std::string v = value ? value : "";
    if (c && !c->leadingSpace) v.insert(0, " ");
    auto st = guarded(ctx, "header", [&](Session& s, MilterIo&) {
        s.header(name ? name : "", v);
        return Verdict::cont;
    });
    return noReplyOr(ctx, SMFIP_NR_HDR, st);
}

sfsistat cbEoh(SMFICTX* ctx) {
    Conn* c = conn(ctx);
    if (c && (c->noReply & SMFIP_NR_EOH)) {
        // No reply allowed here: a failure waits for the end of the message.
        SmfiIo io(ctx, c->leadingSpace);
        try {
            c->session->endOfHeaders(io);
        } catch (const std::exception& e) {
            c->session->deferFailure("end of headers", e.what());
        }
        return SMFIS_NOREPLY;
    }
    return guarded(ctx, "end of headers", [&](Session& s, MilterIo& io) { return s.endOfHeaders(io); });
}

sfsistat cbBody(SMFICTX* ctx, unsigned char* data, size_t len) {
    auto st = guarded(ctx, "body", [&](Session& s, MilterIo&) {
        s.body(std::string_view(reinterpret_cast<const char*>(data), len));
        return Verdict::cont;
    });
    return noReplyOr(ctx, SMFIP_NR_BODY, st);
}

sfsistat cbEom(SMFICTX* ctx) {
    return guarded(ctx, "end of message", [&](Session& s, MilterIo& io) { return s.endOfMessage(io); });
}

sfsistat cbAbort(SMFICTX* ctx) {
    if (Conn* c = conn(ctx)) c->session->abortMessage();
    return SMFIS_CONTINUE;
}

sfsistat cbClose(SMFICTX* ctx) {
    std::unique_ptr<Conn> c(conn(ctx));
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

}  // namespace

RuntimeHolder& currentRuntime() {
    static RuntimeHolder holder;
    return holder;
}

struct smfiDesc* milterDescription() {
    static struct smfiDesc desc = {
        const_cast<char*>("v2v-milter"),
        SMFI_VERSION,
        SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
        cbConnect,
        cbHelo,
        cbEnvFrom,
        nullptr,  // envrcpt
        cbHeader,
        cbEoh,
        cbBody,
        cbEom,
        cbAbort,
        cbClose,
        nullptr,  // unknown
        nullptr,  // data
        cbNegotiate,
    };
    return &desc;
}

}  // namespace v2v::milter
