// v2vctl helpers (see ctl_common.h).
#include "ctl_common.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "log.h"

namespace v2v::ctl {

Db openDatabase(const Context& ctx) {
    Db db(ctx.config->database);
    migrate(db);
    return db;
}

void printJson(const nlohmann::json& j) {
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::string invokingUser() {
    std::string who;
    if (struct passwd* pw = getpwuid(getuid())) who = pw->pw_name;
    else who = "uid " + std::to_string(getuid());
    if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) who += " (sudo by " + logSafe(sudo, 64) + ")";
    return who;
}

nlohmann::ordered_json commandAuditRecord(const std::string& group, const std::string& name,
                                          const std::vector<std::string>& args, int status) {
    nlohmann::ordered_json j;
    j["source"] = "v2vctl";
    j["user"] = invokingUser();
    j["command"] = group + " " + name;
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    bool redactNext = false;
    for (const auto& arg : args) {
        std::string v = logSafe(arg, 256);
        bool sensitive = arg.rfind("--", 0) == 0 && (arg.find("secret") != std::string::npos ||
                                                     arg.find("password") != std::string::npos ||
                                                     arg.find("token") != std::string::npos);
        if (redactNext) {
            v = "(redacted)";
            redactNext = false;
        } else if (sensitive) {
            auto eq = v.find('=');
            if (eq != std::string::npos) v = v.substr(0, eq + 1) + "(redacted)";
            else redactNext = arg.find("stdin") == std::string::npos;  // --secret VALUE; flags like --secret-stdin have none
        }
        a.push_back(v);
    }
    j["args"] = a;
    j["status"] = status;
    j["result"] = status == 0 ? "ok" : "error";
    return j;
}

}  // namespace v2v::ctl
