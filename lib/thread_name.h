// Names the calling thread (as shown by top -H, ps -L, perf and gdb), so an
// operator can tell the committer from the injectors. Linux keeps at most 15
// characters; longer names are cut.
#pragma once

#include <pthread.h>

#include <string>

namespace v2v {

inline void nameThisThread(const std::string& name) {
    ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace v2v
