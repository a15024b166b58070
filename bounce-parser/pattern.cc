// PCRE2 wrapper (see pattern.h). Match data and JIT stack are per thread.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>

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

pcre2_code* compile(std::string_view pattern, std::uint32_t flags, bool jit) {
    std::uint32_t opts = 0;
    if (flags & Regex::icase) opts |= PCRE2_CASELESS;
    if (flags & Regex::extended) opts |= PCRE2_EXTENDED;
    if (flags & Regex::multiline) opts |= PCRE2_MULTILINE;
    if (flags & Regex::dotall) opts |= PCRE2_DOTALL;
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

Regex::Regex(std::string_view pattern, std::uint32_t flags) : code_(compile(pattern, flags, true)) {}

int Regex::run(std::string_view subject, std::size_t start) const {
    ThreadState& st = state();
    return pcre2_match(static_cast<pcre2_code*>(code_.get()),
                       reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start, 0, st.data,
                       st.ctx);
}

bool Regex::test(std::string_view subject) const { return run(subject, 0) > 0; }

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

bool regexTest(std::string_view pattern, std::string_view subject, std::uint32_t flags) {
    std::unique_ptr<pcre2_code, void (*)(pcre2_code*)> code(compile(pattern, flags, false),
                                                            pcre2_code_free);
    ThreadState& st = state();
    return pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                       st.data, st.ctx) > 0;
}

}  // namespace v2v::bounce
