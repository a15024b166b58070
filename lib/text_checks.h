// Checks on text that came from outside: RFC 5322 atext, strict UTF-8.
#pragma once

#include <string_view>

namespace v2v {

// RFC 5322 atext: a letter, digit or one of !#$%&'*+-/=?^_`{|}~ (ASCII only).
bool isAtext(char c);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool validUtf8(std::string_view s);

}  // namespace v2v
