// v2vctl client token: issue an access token for a client without HTTP, with
// the gateway's own JWT code (gateway/jwt_auth.h) and keys (gateway.jwt).
#include <iostream>

#include "args.h"
#include "clients.h"
#include "commands.h"
#include "ctl_common.h"
#include "jwt_auth.h"

namespace v2v::ctl {
namespace {

int token(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--ttl", "--scopes"}, {});
    if (a.positional.size() != 1) throw UsageError("client token needs exactly one ID");
    JwtConfig jwt = ctx.config->gateway.jwt;
    if (jwt.keys.empty()) throw UsageError("gateway.jwt.keys is empty in " + ctx.config->file + ": no key to sign with");
    jwt.ttl_seconds = static_cast<int>(a.getInt("--ttl", jwt.ttl_seconds, 60, 366LL * 86400));
    Db db = openDatabase(ctx);
    auto c = loadClient(db, a.positional[0]);
    if (!c) {
        std::cerr << "v2vctl: no client " << a.positional[0] << "\n";
        return kNotFound;
    }
    if (c->disabled) {
        std::cerr << "v2vctl: client " << c->id << " is disabled\n";
        return kDataErr;
    }
    std::vector<std::string> scopes = c->scopes;
    if (auto s = a.get("--scopes")) {
        scopes = splitWords(*s);
        // A token never carries more than its client may do (the gateway checks both anyway).
        for (const auto& sc : scopes)
            if (!validScope(sc) || !c->hasScope(sc))
                throw UsageError("--scopes: client " + c->id + " does not have the scope '" + sc + "'");
    }
    std::string t = gw::issueToken(jwt, c->id, scopes, nowSeconds());
    if (ctx.json)
        printJson({{"access_token", t}, {"token_type", "Bearer"}, {"expires_in", jwt.ttl_seconds}});
    else
        std::cout << t << "\n";
    return kOk;
}

}  // namespace

void registerTokenCommands(std::vector<Command>& out) {
    out.push_back({"client", "token", "ID [--ttl SECONDS] [--scopes 'send read ...']",
                   "issue an access token (JWT) for a client, as POST /auth/token would; the token is not logged",
                   token});
}

}  // namespace v2v::ctl
