// Base64 wrappers (see base64.h).
#include "base64.h"

#include <sodium.h>

namespace v2v {
namespace {
int sodiumVariant(Base64 v) {
    return v == Base64::url ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
}
}  // namespace

std::string base64Encode(std::string_view bin, Base64 variant) {
    int v = sodiumVariant(variant);
    std::string out(sodium_base64_encoded_len(bin.size(), v), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size(), v);
    out.pop_back();  // the terminating NUL sodium writes
    return out;
}

std::optional<std::string> base64Decode(std::string_view text, Base64 variant, const char* ignore) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), ignore,
                          &len, &end, sodiumVariant(variant)) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    out.resize(len);
    return out;
}

}  // namespace v2v
