// v2v-milter's main(): options, configuration, and the mode asked for.
#pragma once

namespace v2v::milter {

int milterMain(int argc, char** argv);

}  // namespace v2v::milter
