// Small string helpers shared by every report reader: case folding, line
// splitting, whitespace clean-up and the "fillet" split of a flattened report
// into its error part and the returned headers. Pure functions, no I/O.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v2v::bounce {

class Regex;

std::string lower(std::string_view s);
std::string upper(std::string_view s);
inline bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool endsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
inline bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }
bool containsAny(std::string_view s, std::initializer_list<std::string_view> needles);
bool containsAny(std::string_view s, const std::vector<std::string_view>& needles);
std::string_view trim(std::string_view s);  // spaces and tabs (and CR/LF)

// Lines split on "\n", trailing empty lines dropped (Perl's split semantics).
std::vector<std::string_view> splitLines(std::string_view s);
// Split on a single character; every field kept.
std::vector<std::string_view> splitChar(std::string_view s, char sep);

// Squeeze spaces, drop tabs, trim, and cut a trailing " --boundary..." tail.
std::string sweep(std::string_view s);
// Replace each '\n' by ' '.
std::string joinLines(std::string_view s);

// Split `body` at the first line matching `backbone` (a multiline regex): the
// error part before it, and the returned headers after it (up to the first blank line).
std::pair<std::string_view, std::string> fillet(std::string_view body, const Regex& backbone);

// Remove HTML markup, keeping the text (Sisimai's to_plain).
std::string htmlToPlain(std::string_view html, bool loose);

// Append with a separator only when `dst` is non-empty.
void appendSep(std::string& dst, std::string_view sep, std::string_view text);

}  // namespace v2v::bounce
