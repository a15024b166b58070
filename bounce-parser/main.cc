// v2v-bounce-parser: reads one bounce / delivery report / complaint / auto-reply
// on stdin (Postfix pipe(8) or --parse-only) -- see cli.h and the man page.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto opts = v2v::bounce::parseOptions(args, std::cerr);
    if (!opts) return v2v::bounce::kConfig;  // a wrong master.cf argv is a configuration error
    return v2v::bounce::run(*opts);
}
