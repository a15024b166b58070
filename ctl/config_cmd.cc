// v2vctl config ...: check (validate a file), keys (every declared key with its
// default and documentation, as text or JSON).
#include <iostream>
#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"

namespace v2v::ctl {
namespace {

int check(Context& ctx, const std::vector<std::string>& argv) {
    Args::parse(argv, {}, {});
    std::cout << ctx.config->file << ": ok\n";
    return kOk;
}

int keys(Context& ctx, const std::vector<std::string>& argv) {
    Args::parse(argv, {}, {});
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& k : configKeys()) {
        if (ctx.json)
            arr.push_back({{"key", k.path}, {"type", k.type}, {"default", k.default_value}, {"doc", k.doc}});
        else
            std::cout << k.path << "\t" << k.type << "\t" << k.default_value << "\t" << k.doc << "\n";
    }
    if (ctx.json) std::cout << arr.dump(1) << "\n";
    return kOk;
}

int example(Context&, const std::vector<std::string>& argv) {
    Args::parse(argv, {}, {});
    std::cout << configExampleYaml();
    return kOk;
}

}  // namespace

void registerConfigCommands(std::vector<Command>& out) {
    out.push_back({"config", "check", "", "load and validate the configuration file (-c)", check, true});
    out.push_back({"config", "example", "", "print a complete commented v2v.yaml with every key at its default",
                   example, true});
    out.push_back({"config", "keys", "", "list every configuration key with its type, default and meaning", keys, true});
}

}  // namespace v2v::ctl
