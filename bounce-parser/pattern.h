// Thin RAII wrapper over PCRE2 (8-bit, byte semantics, JIT) for the bounce
// parser's rule tables. Patterns are compiled once (function-local statics);
// every match is bounded by a match limit so hostile text cannot run away.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
    enum Flags : std::uint32_t { none = 0, icase = 1, extended = 2, multiline = 4, dotall = 8, anchored = 16, nojit = 32 };
    // JIT compilation pays off after many matches; a process that reads one
    // report (the pipe program) turns it off before the first pattern is used.
    static void setJit(bool enabled);
    // Throws std::invalid_argument on a bad pattern (a programming error).
    explicit Regex(std::string_view pattern, std::uint32_t flags = none);
    Regex(Regex&&) noexcept = default;

    bool test(std::string_view subject, std::size_t start = 0) const;
    bool search(std::string_view subject, Match& m, std::size_t start = 0) const;
    // A Match points into the subject: a temporary string would leave it dangling.
    bool search(std::string&& subject, Match& m, std::size_t start = 0) const = delete;
    // Replace every match with the expansion of `repl` ($1..$9 = groups).
    std::string replaceAll(std::string_view subject, std::string_view repl) const;

private:
    struct CodeFree {
        void operator()(void* p) const;
    };
    std::unique_ptr<void, CodeFree> code_;
    int run(std::string_view subject, std::size_t start) const;
};

// A fixed set of literal phrases searched in one pass over the text: each
// position's two-byte prefix is looked up in a bitmap, and only the phrases
// starting with those two bytes are compared there.
class PhraseSet {
public:
    PhraseSet(std::initializer_list<std::string_view> phrases);
    bool any(std::string_view text) const;

private:
    std::vector<std::string_view> phrases_;                // the literals (static storage)
    std::vector<std::pair<std::uint16_t, std::uint16_t>> index_;  // (bigram, phrase) sorted
    std::vector<std::uint64_t> bitmap_;                            // bigram present? (8 KB)
    std::vector<std::string_view> shortOnes_;              // phrases shorter than two bytes
};

// Many rules matched in one pass: each rule is a tag with literal phrases
// and/or a big alternation "(?>alt|alt|...)". Phrases and the alternatives
// that begin with two literal bytes are indexed by those two bytes; one scan
// over the text tries, at each position, only the entries starting there
// (alternatives compiled anchored). The other alternatives of a rule run as
// one ordinary regex. match() answers, for every tag, "does it match?" --
// the same answers as testing each rule on its own, in a fraction of the time.
class TaggedSet {
public:
    void addPhrase(unsigned tag, std::string_view phrase);  // phrase must outlive the set
    void addAlternation(unsigned tag, std::string_view pattern, std::uint32_t flags = Regex::extended);
    void finish();  // call once after the last add
    std::uint64_t match(std::string_view text) const;  // bit `tag` set when the rule matches

private:
    // An anchored alternative, compiled the first time its prefix is seen.
    struct Lazy {
        std::string pattern;
        std::uint32_t flags;
        std::once_flag once;
        std::unique_ptr<Regex> re;
        bool test(std::string_view t, std::size_t at);
    };
    struct Entry {
        unsigned tag;
        std::string prefix;         // literal bytes the entry starts with (the whole text, for literals)
        std::shared_ptr<Lazy> re;   // the rest of the alternative (null when it is all literal)
    };
    // Entries keyed by a hash of their first four bytes, or of their first
    // two when the literal prefix is shorter; CSR layout: bucket b holds
    // entries [start[b], start[b+1]). Entries are checked against the text
    // in full, so hash collisions only cost a comparison.
    struct Index {
        std::vector<std::uint32_t> start;
        std::vector<Entry> entries;
        bool empty() const { return entries.empty(); }
    };
    std::vector<std::pair<std::uint32_t, Entry>> pending4_, pending2_;
    Index by4_, by2_;
    std::vector<std::pair<unsigned, std::string_view>> shortPhrases_;
    std::vector<std::pair<unsigned, std::unique_ptr<Regex>>> rest_;

    void add(unsigned tag, std::string prefix, std::shared_ptr<Lazy> re);
    static void build(std::vector<std::pair<std::uint32_t, Entry>>& pending, Index& index);
    static bool tryEntries(const Index& index, std::uint32_t key, std::string_view t, std::size_t i,
                           std::uint64_t& hits);
};

// The top-level alternatives of "(?>...)" / "(?:...)" (exposed for tests).
std::vector<std::string> splitAlternation(std::string_view pattern);
// The literal bytes an (extended-syntax) alternative must start with;
// `complete` is set when the alternative is nothing but those bytes.
std::string literalPrefix(std::string_view alternative, bool* complete = nullptr);

// Convenience for one-off patterns built at run time (not JIT compiled).
bool regexTest(std::string_view pattern, std::string_view subject, std::uint32_t flags = Regex::none);

}  // namespace v2v::bounce
