// PCRE2 wrapper (see pattern.h). Match data and JIT stack are per thread.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <atomic>
#include <stdexcept>

namespace v2v::bounce {
namespace {

constexpr std::uint32_t kMatchLimit = 2'000'000;

struct ThreadState {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* ctx = nullptr;
    pcre2_jit_stack* stack = nullptr;
    ThreadState() {
        data = pcre2_match_data_create(Match::kMax + 4, nullptr);
        ctx = pcre2_match_context_create(nullptr);
        stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
        pcre2_set_match_limit(ctx, kMatchLimit);
        pcre2_set_depth_limit(ctx, 10000);
        if (stack) pcre2_jit_stack_assign(ctx, nullptr, stack);
    }
    ~ThreadState() {
        pcre2_match_data_free(data);
        pcre2_match_context_free(ctx);
        pcre2_jit_stack_free(stack);
    }
};

ThreadState& state() {
    thread_local ThreadState s;
    return s;
}

std::atomic<bool> g_jit{true};

pcre2_code* compile(std::string_view pattern, std::uint32_t flags, bool jit) {
    std::uint32_t opts = 0;
    if (flags & Regex::icase) opts |= PCRE2_CASELESS;
    if (flags & Regex::extended) opts |= PCRE2_EXTENDED;
    if (flags & Regex::multiline) opts |= PCRE2_MULTILINE;
    if (flags & Regex::dotall) opts |= PCRE2_DOTALL;
    if (flags & Regex::anchored) opts |= PCRE2_ANCHORED;
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     opts, &err, &off, nullptr);
    if (!code) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(err, buf, sizeof buf);
        throw std::invalid_argument("regex at " + std::to_string(off) + ": " +
                                    reinterpret_cast<const char*>(buf) + " in " + std::string(pattern));
    }
    if (jit) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter on failure
    return code;
}

}  // namespace

void Regex::CodeFree::operator()(void* p) const { pcre2_code_free(static_cast<pcre2_code*>(p)); }

void Regex::setJit(bool enabled) { g_jit = enabled; }

Regex::Regex(std::string_view pattern, std::uint32_t flags)
    : code_(compile(pattern, flags, g_jit && !(flags & nojit))) {}

int Regex::run(std::string_view subject, std::size_t start) const {
    ThreadState& st = state();
    return pcre2_match(static_cast<pcre2_code*>(code_.get()),
                       reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start, 0, st.data,
                       st.ctx);
}

bool Regex::test(std::string_view subject, std::size_t start) const {
    return start <= subject.size() && run(subject, start) > 0;
}

bool Regex::search(std::string_view subject, Match& m, std::size_t start) const {
    if (start > subject.size()) return false;
    int rc = run(subject, start);
    if (rc <= 0) return false;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(state().data);
    // Only the first rc pairs are set; later groups did not participate.
    m.count_ = std::min<std::size_t>(Match::kMax, static_cast<std::size_t>(rc));
    m.set_.fill(false);
    m.groups_.fill(std::string_view());
    for (std::size_t i = 0; i < m.count_; ++i) {
        PCRE2_SIZE a = ov[2 * i], b = ov[2 * i + 1];
        m.set_[i] = a != PCRE2_UNSET;
        m.groups_[i] = m.set_[i] ? subject.substr(a, b - a) : std::string_view();
    }
    m.pos_ = ov[0];
    m.end_ = ov[1];
    return true;
}

std::string Regex::replaceAll(std::string_view subject, std::string_view repl) const {
    std::string out;
    std::size_t at = 0;
    Match m;
    while (at <= subject.size() && search(subject, m, at)) {
        out.append(subject.substr(at, m.position() - at));
        for (std::size_t i = 0; i < repl.size(); ++i) {
            if (repl[i] == '$' && i + 1 < repl.size() && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
                out.append(m[static_cast<std::size_t>(repl[i + 1] - '0')]);
                ++i;
            } else {
                out.push_back(repl[i]);
            }
        }
        if (m.end() == m.position()) {  // empty match: copy one byte and move on
            if (m.end() < subject.size()) out.push_back(subject[m.end()]);
            at = m.end() + 1;
        } else {
            at = m.end();
        }
    }
    if (at < subject.size()) out.append(subject.substr(at));
    return out;
}

PhraseSet::PhraseSet(std::initializer_list<std::string_view> phrases) : bitmap_(65536 / 64, 0) {
    for (auto p : phrases) {
        if (p.size() < 2) {
            shortOnes_.push_back(p);
            continue;
        }
        auto key = static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1]));
        index_.emplace_back(key, static_cast<std::uint16_t>(phrases_.size()));
        bitmap_[key / 64] |= std::uint64_t{1} << (key % 64);
        phrases_.push_back(p);
    }
    std::sort(index_.begin(), index_.end());
}

bool PhraseSet::any(std::string_view t) const {
    for (auto p : shortOnes_)
        if (t.find(p) != std::string_view::npos) return true;
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        auto key = static_cast<std::uint16_t>(static_cast<unsigned char>(t[i]) << 8 | static_cast<unsigned char>(t[i + 1]));
        if (!(bitmap_[key / 64] >> (key % 64) & 1)) continue;
        auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(key, std::uint16_t{0}));
        for (; it != index_.end() && it->first == key; ++it) {
            std::string_view p = phrases_[it->second];
            if (t.size() - i >= p.size() && t.compare(i, p.size(), p) == 0) return true;
        }
    }
    return false;
}

std::vector<std::string> splitAlternation(std::string_view p) {
    while (!p.empty() && std::isspace(static_cast<unsigned char>(p.front()))) p.remove_prefix(1);
    while (!p.empty() && std::isspace(static_cast<unsigned char>(p.back()))) p.remove_suffix(1);
    if ((p.substr(0, 3) == "(?>" || p.substr(0, 3) == "(?:") && !p.empty() && p.back() == ')')
        p = p.substr(3, p.size() - 4);
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        char c = p[i];
        if (c == '\\' && i + 1 < p.size()) {
            cur += c;
            cur += p[++i];
            continue;
        }
        if (c == '[') {  // a class: copy to its closing ']' ("[]...]" and "[^]...]" keep the first ']')
            std::size_t j = i + 1;
            if (j < p.size() && p[j] == '^') ++j;
            if (j < p.size() && p[j] == ']') ++j;
            while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
            cur.append(p.substr(i, j - i + 1));
            i = j;
            continue;
        }
        if (c == '(') ++depth;
        if (c == ')') --depth;
        if (c == '|' && depth == 0) {
            out.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    out.push_back(cur);
    return out;
}

std::string literalPrefix(std::string_view a, bool* complete) {
    std::string lit;
    std::size_t i = 0;
    auto skipBlanks = [&] {
        while (i < a.size() && std::isspace(static_cast<unsigned char>(a[i]))) ++i;
    };
    for (;;) {
        skipBlanks();
        if (i >= a.size()) break;
        char c = a[i];
        char literal = 0;
        std::size_t next = i + 1;
        if (c == '[') {  // a one-character class "[x]" is a literal
            if (i + 2 < a.size() && a[i + 2] == ']' && a[i + 1] != '^' && a[i + 1] != '\\') {
                literal = a[i + 1];
                next = i + 3;
            }
        } else if (c == '\\') {
            if (i + 1 < a.size() && std::ispunct(static_cast<unsigned char>(a[i + 1]))) {
                literal = a[i + 1];
                next = i + 2;
            }
        } else if (std::string_view("().|^$?*+{}").find(c) == std::string_view::npos) {
            literal = c;
        }
        if (!literal) break;
        i = next;
        skipBlanks();
        if (i < a.size() && std::string_view("?*+{").find(a[i]) != std::string_view::npos) break;  // optional
        lit += literal;
    }
    if (complete) {
        skipBlanks();
        *complete = i >= a.size();
    }
    return lit;
}

namespace {
constexpr unsigned kBucketBits = 12;  // 4096 buckets: a few hundred entries spread thin
constexpr std::uint32_t kBuckets = 1u << kBucketBits;

std::uint32_t key2(const char* p) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1]));
    return (v * 2654435761u) >> (32 - kBucketBits);  // Fibonacci hashing
}
std::uint32_t key4(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return (v * 2654435761u) >> (32 - kBucketBits);
}
}  // namespace

bool TaggedSet::Lazy::test(std::string_view t, std::size_t at) {
    std::call_once(once, [this] { re = std::make_unique<Regex>(pattern, flags); });
    return re->test(t, at);
}

void TaggedSet::add(unsigned tag, std::string prefix, std::shared_ptr<Lazy> re) {
    if (prefix.size() >= 4) {
        std::uint32_t k = key4(prefix.data());
        pending4_.push_back({k, Entry{tag, std::move(prefix), std::move(re)}});
    } else {
        std::uint32_t k = key2(prefix.data());
        pending2_.push_back({k, Entry{tag, std::move(prefix), std::move(re)}});
    }
}

void TaggedSet::addPhrase(unsigned tag, std::string_view phrase) {
    if (phrase.size() < 2)
        shortPhrases_.emplace_back(tag, phrase);
    else
        add(tag, std::string(phrase), nullptr);
}

void TaggedSet::addAlternation(unsigned tag, std::string_view pattern, std::uint32_t flags) {
    std::string rest;
    for (const std::string& alt : splitAlternation(pattern)) {
        bool complete = false;
        std::string lit = literalPrefix(alt, &complete);
        if (lit.size() < 2 || (flags & Regex::icase)) {
            rest += (rest.empty() ? "" : "|") + alt;
            continue;
        }
        std::shared_ptr<Lazy> re;
        if (!complete) {  // interpreted: it runs only where its prefix already matched
            re = std::make_shared<Lazy>();
            re->pattern = "(?:" + alt + ")";
            re->flags = flags | Regex::anchored | Regex::nojit;
        }
        add(tag, lit, std::move(re));
    }
    if (!rest.empty()) rest_.emplace_back(tag, std::make_unique<Regex>("(?:" + rest + ")", flags));
}

void TaggedSet::build(std::vector<std::pair<std::uint32_t, Entry>>& pending, Index& index) {
    std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    index.start.assign(kBuckets + 1, 0);
    for (const auto& p : pending) ++index.start[p.first + 1];
    for (std::uint32_t b = 0; b < kBuckets; ++b) index.start[b + 1] += index.start[b];
    for (auto& p : pending) index.entries.push_back(std::move(p.second));
    pending.clear();
}

void TaggedSet::finish() {
    build(pending4_, by4_);
    build(pending2_, by2_);
}

bool TaggedSet::tryEntries(const Index& index, std::uint32_t key, std::string_view t, std::size_t i,
                           std::uint64_t& hits) {
    for (std::uint32_t e = index.start[key]; e < index.start[key + 1]; ++e) {
        const Entry& entry = index.entries[e];
        std::uint64_t bit = std::uint64_t{1} << entry.tag;
        if (hits & bit) continue;  // this rule already matched
        const std::string& pre = entry.prefix;
        if (t.size() - i < pre.size() || std::memcmp(t.data() + i, pre.data(), pre.size()) != 0) continue;
        if (!entry.re || entry.re->test(t, i)) hits |= bit;
    }
    return false;
}

std::uint64_t TaggedSet::match(std::string_view t) const {
    std::uint64_t hits = 0;
    for (const auto& [tag, p] : shortPhrases_)
        if (t.find(p) != std::string_view::npos) hits |= std::uint64_t{1} << tag;
    const char* d = t.data();
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (!by4_.empty() && i + 4 <= t.size()) {
            std::uint32_t k = key4(d + i);
            if (by4_.start[k] != by4_.start[k + 1]) tryEntries(by4_, k, t, i, hits);
        }
        if (!by2_.empty()) {
            std::uint32_t k = key2(d + i);
            if (by2_.start[k] != by2_.start[k + 1]) tryEntries(by2_, k, t, i, hits);
        }
    }
    for (const auto& [tag, re] : rest_) {
        std::uint64_t bit = std::uint64_t{1} << tag;
        if (!(hits & bit) && re->test(t)) hits |= bit;
    }
    return hits;
}

bool regexTest(std::string_view pattern, std::string_view subject, std::uint32_t flags) {
    std::unique_ptr<pcre2_code, void (*)(pcre2_code*)> code(compile(pattern, flags, false),
                                                            pcre2_code_free);
    ThreadState& st = state();
    return pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                       st.data, st.ctx) > 0;
}

}  // namespace v2v::bounce
