// Thin RAII wrapper over PCRE2 (8-bit, byte semantics, JIT) for the bounce
// parser's rule tables. Patterns are compiled once (function-local statics);
// every match is bounded by a match limit so hostile text cannot run away.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace v2v::bounce {

class Regex;

// Capture groups of the last successful Regex::search (views into the subject).
class Match {
public:
    static constexpr std::size_t kMax = 16;  // capture groups kept
    std::string_view operator[](std::size_t i) const { return i < count_ ? groups_[i] : std::string_view(); }
    std::string str(std::size_t i) const { return std::string((*this)[i]); }
    bool has(std::size_t i) const { return i < count_ && set_[i]; }
    // Offset of the whole match within the subject.
    std::size_t position() const { return pos_; }
    std::size_t end() const { return end_; }

private:
    friend class Regex;
    std::array<std::string_view, kMax> groups_{};
    std::array<bool, kMax> set_{};
    std::size_t count_ = 0, pos_ = 0, end_ = 0;
};

class Regex {
public:
    enum Flags : std::uint32_t { none = 0, icase = 1, extended = 2, multiline = 4, dotall = 8 };
    // Throws std::invalid_argument on a bad pattern (a programming error).
    explicit Regex(std::string_view pattern, std::uint32_t flags = none);
    Regex(Regex&&) noexcept = default;

    bool test(std::string_view subject) const;
    bool search(std::string_view subject, Match& m, std::size_t start = 0) const;
    // Replace every match with the expansion of `repl` ($1..$9 = groups).
    std::string replaceAll(std::string_view subject, std::string_view repl) const;

private:
    struct CodeFree {
        void operator()(void* p) const;
    };
    std::unique_ptr<void, CodeFree> code_;
    int run(std::string_view subject, std::size_t start) const;
};

// Convenience for one-off patterns built at run time (not JIT compiled).
bool regexTest(std::string_view pattern, std::string_view subject, std::uint32_t flags = Regex::none);

}  // namespace v2v::bounce
