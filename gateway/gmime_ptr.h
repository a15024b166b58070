// RAII for GObject handles of GMime (GMimeMessage*, GMimeStream*, ...): a
// unique_ptr whose deleter calls g_object_unref. Only for files that use GMime.
#pragma once

#include <glib-object.h>

#include <memory>

namespace v2v::gw {

struct GUnref {
    void operator()(void* p) const {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GUnref>;

}  // namespace v2v::gw
