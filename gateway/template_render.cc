// Mustache syntax check and rendering (see template_render.h). The only file
// that includes the heavy kainjow header.
#include "template_render.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "address.h"

namespace v2v::gw {
namespace {

namespace mu = kainjow::mustache;
using Data = mu::data;

// What the pre-scan learns about a template: used to bound rendering work and
// to tell a missing variable from a name used only as an inverted section.
struct Scan {
    std::string error;
    std::map<std::string, std::size_t> sectionBody;  // name → longest body of a section with that name
    std::size_t maxBody = 0;
    std::set<std::string> used;  // names in variable and {{#section}} tags
};

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n\f\v");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r\n\f\v");
    return s.substr(b, e - b + 1);
}

std::string at(const std::string& s, std::size_t pos) {
    return "line " + std::to_string(1 + std::count(s.begin(), s.begin() + static_cast<long>(pos), '\n')) + ": ";
}

// {{=<% %>=}}: the same rules as kainjow (no whitespace or '=' in delimiters).
bool setDelimiters(const std::string& contents, std::string& begin, std::string& end) {
    if (contents.size() < 5 || contents.back() != '=') return false;
    std::string inner = trim(contents.substr(1, contents.size() - 2));
    auto space = inner.find(' ');
    if (space == std::string::npos) return false;
    auto next = inner.find_first_not_of(' ', space + 1);
    std::string b = inner.substr(0, space), e = inner.substr(next);
    auto bad = [](const std::string& d) {
        return d.empty() || std::any_of(d.begin(), d.end(), [](char c) {
                   return c == '=' || std::isspace(static_cast<unsigned char>(c));
               });
    };
    if (bad(b) || bad(e)) return false;
    begin = b;
    end = e;
    return true;
}

struct Open {
    std::string name;
    std::size_t bodyStart, tagStart;
};

// Walks the tags the way kainjow's parser finds them.
Scan scanTemplate(const std::string& in, const RenderLimits& lim) {
    Scan sc;
    std::string begin = "{{", end = "}}";
    std::vector<Open> open;
    std::size_t pos = 0;
    const std::size_t n = in.size();
    while (pos < n) {
        if (in.compare(pos, begin.size(), begin) != 0) {
            ++pos;
            continue;
        }
        const std::size_t start = pos;
        std::size_t cstart = start + begin.size();
        const bool brace = begin == "{{" && end == "}}";
        const bool triple = brace && cstart < n && in[cstart] == '{';
        const std::string close = triple ? "}}}" : end;
        if (triple) ++cstart;
        const std::size_t cend = in.find(close, cstart);
        if (cend == std::string::npos) {
            sc.error = at(in, start) + "unclosed tag (no '" + close + "')";
            return sc;
        }
        const std::string contents = trim(in.substr(cstart, cend - cstart));
        pos = cend + close.size();
        if (!contents.empty() && contents[0] == '=') {  // kainjow: also inside {{{ }}}
            if (!setDelimiters(contents, begin, end)) {
                sc.error = at(in, start) + "invalid set-delimiter tag";
                return sc;
            }
            continue;
        }
        char kind = triple ? '&' : 'v';
        std::string name = contents;
        if (!triple && !contents.empty() && std::strchr("#^/>&!", contents[0])) {
            kind = contents[0];
            name = trim(contents.substr(1));
        }
        if (kind == '!') continue;
        if (kind == '>') {
            sc.error = at(in, start) + "partials ({{> name}}) are not supported";
            return sc;
        }
        if (name.empty()) {
            sc.error = at(in, start) + "empty tag";
            return sc;
        }
        if (kind == '#' || kind == '^') {
            if (open.size() >= lim.max_section_depth) {
                sc.error = at(in, start) + "sections nest deeper than " + std::to_string(lim.max_section_depth);
                return sc;
            }
            open.push_back({name, pos, start});
            if (kind == '#') sc.used.insert(name);
        } else if (kind == '/') {
            if (open.empty()) {
                sc.error = at(in, start) + "{{/" + name + "}} closes no open section";
                return sc;
            }
            if (open.back().name != name) {
                sc.error = at(in, start) + "{{/" + name + "}} closes section '" + open.back().name + "'";
                return sc;
            }
            std::size_t body = start - open.back().bodyStart;
            auto& slot = sc.sectionBody[name];
            slot = std::max(slot, body);
            sc.maxBody = std::max(sc.maxBody, body);
            open.pop_back();
        } else {
            sc.used.insert(name);
        }
    }
    if (!open.empty()) sc.error = at(in, open.back().tagStart) + "section '" + open.back().name + "' is never closed";
    return sc;
}

struct LimitExceeded {
    std::string what;
};

// Work and output budget shared by the parts of one render.
struct Budget {
    const RenderLimits& lim;
    std::size_t bytes = 0, steps = 0;
    void spend(std::size_t b, std::size_t s) {
        bytes += b;
        steps += s;
        if (bytes > lim.max_output_bytes)
            throw LimitExceeded{"the rendered message would exceed " + std::to_string(lim.max_output_bytes >> 20) + " MiB"};
        if (steps > lim.max_steps)
            throw LimitExceeded{"rendering needs more than " + std::to_string(lim.max_steps) + " steps"};
    }
};

// kainjow's lookup context plus accounting: every lookup and section iteration
// is charged to the budget (an upper bound of the output: the body of the
// section entered, the length of each value found); partials never resolve.
class CountingContext : public mu::basic_context<std::string> {
public:
    CountingContext(const Data* root, const Scan& scan, Budget& budget, std::size_t escapeFactor,
                    std::vector<std::string>& missing)
        : scan_(scan), budget_(budget), factor_(escapeFactor), missing_(missing), last_(1) {
        inner_.push(root);
    }
    void push(const Data* d) override {
        budget_.spend(sectionBytes(d), 1);
        inner_.push(d);
        ++depth_;
        if (last_.size() <= depth_) last_.resize(depth_ + 1);
        last_[depth_] = {};
    }
    void pop() override {
        inner_.pop();
        if (depth_ > 0) --depth_;  // last_[depth_] stays: the next list element is entered from it
    }
    const Data* get(const std::string& name) const override {
        const Data* d = inner_.get(name);
        if (!d) {
            if (scan_.used.count(name) && std::find(missing_.begin(), missing_.end(), name) == missing_.end())
                missing_.push_back(name);
            budget_.spend(0, 1);
            return nullptr;
        }
        last_[depth_] = {name, d};
        budget_.spend(d->is_string() ? d->string_value().size() * factor_ : 0, 1);
        return d;
    }
    const Data* get_partial(const std::string&) const override { return nullptr; }

private:
    struct Lookup {
        std::string name;
        const Data* data = nullptr;
    };
    // The section being entered is the last name looked up at this depth: either
    // that value itself or an element of that list.
    std::size_t sectionBytes(const Data* d) const {
        const Lookup& l = last_[depth_];
        bool match = l.data == d;
        if (!match && l.data && l.data->is_list()) {
            const auto& v = l.data->list_value();
            match = !v.empty() && d >= &v.front() && d <= &v.back();
        }
        if (match) {
            auto it = scan_.sectionBody.find(l.name);
            if (it != scan_.sectionBody.end()) return it->second;
        }
        return scan_.maxBody;
    }

    mu::context<std::string> inner_;
    const Scan& scan_;
    Budget& budget_;
    std::size_t factor_;
    std::vector<std::string>& missing_;
    std::size_t depth_ = 0;  // sections entered
    mutable std::vector<Lookup> last_;  // per depth: the last value looked up there
};

struct BadVariables {
    std::string message;
};
struct BadTemplate {
    std::string message;
};

Data toData(const nlohmann::json& j, std::size_t depth, const RenderLimits& lim) {
    if (depth > lim.max_variable_depth)
        throw BadVariables{"nests deeper than " + std::to_string(lim.max_variable_depth) + " levels"};
    switch (j.type()) {
        case nlohmann::json::value_t::object: {
            Data d(Data::type::object);
            for (auto it = j.begin(); it != j.end(); ++it) d[it.key()] = toData(it.value(), depth + 1, lim);
            return d;
        }
        case nlohmann::json::value_t::array: {
            Data d(Data::type::list);
            for (const auto& v : j) d.push_back(toData(v, depth + 1, lim));
            return d;
        }
        case nlohmann::json::value_t::string:
            return Data(j.get<std::string>());
        case nlohmann::json::value_t::boolean:
            return Data(j.get<bool>());
        case nlohmann::json::value_t::null:
            return Data(false);
        default:  // numbers: their JSON text
            return Data(j.dump());
    }
}

std::string identity(const std::string& s) { return s; }

std::string renderPart(const std::string& tmpl, const Data& vars, bool html, Budget& budget,
                       std::vector<std::string>& missing) {
    Scan scan = scanTemplate(tmpl, budget.lim);
    if (!scan.error.empty()) throw BadTemplate{scan.error};
    mu::mustache m(tmpl);
    if (!m.is_valid()) throw BadTemplate{m.error_message()};
    if (!html) m.set_custom_escape(identity);
    CountingContext ctx(&vars, scan, budget, html ? 6 : 1, missing);
    std::string out = m.render(ctx);
    if (!m.is_valid()) throw BadTemplate{m.error_message()};
    budget.spend(tmpl.size(), 0);
    return out;
}

}  // namespace

std::string checkTemplateSyntax(const std::string& tmpl, const RenderLimits& limits) {
    Scan scan = scanTemplate(tmpl, limits);
    if (!scan.error.empty()) return scan.error;
    try {
        mu::mustache m(tmpl);
        if (!m.is_valid()) return m.error_message();
    } catch (const std::exception&) {
        return "the template cannot be parsed";
    }
    return "";
}

std::optional<ApiError> validateTemplate(const TemplateSource& t, const RenderLimits& limits) {
    if (!t.text && !t.html) return invalidField("text", "text or html is required");
    if (hasLineBreak(t.subject)) return invalidField("subject", "must not hold CR, LF or NUL (header injection)");
    auto check = [&limits](const char* field, const std::string& part) -> std::optional<ApiError> {
        if (part.find('\0') != std::string::npos) return invalidField(field, "holds a NUL byte");
        std::string err = checkTemplateSyntax(part, limits);
        if (!err.empty()) return invalidField(field, err);
        return std::nullopt;
    };
    if (auto e = check("subject", t.subject)) return e;
    if (t.text)
        if (auto e = check("text", *t.text)) return e;
    if (t.html)
        if (auto e = check("html", *t.html)) return e;
    return std::nullopt;
}

std::string missingMessage(const std::vector<std::string>& missing) {
    std::string m = "missing variables: ";
    for (std::size_t i = 0; i < missing.size() && i < 20; ++i) m += (i ? ", " : "") + missing[i];
    if (missing.size() > 20) m += ", ...";
    return m;
}

std::variant<Rendered, ApiError> renderTemplate(const TemplateSource& t, const std::string& variablesJson,
                                                bool strict, const RenderLimits& limits) {
    auto j = nlohmann::json::parse(variablesJson, nullptr, false);
    if (!j.is_object()) return invalidField("variables", "must be an object");
    Rendered r;
    try {
        Data vars = toData(j, 0, limits);
        Budget budget{limits};
        r.subject = renderPart(t.subject, vars, false, budget, r.missing);
        if (t.text) r.text = renderPart(*t.text, vars, false, budget, r.missing);
        if (t.html) r.html = renderPart(*t.html, vars, true, budget, r.missing);
    } catch (const BadVariables& e) {
        return invalidField("variables", e.message);
    } catch (const BadTemplate& e) {
        return invalidField("template", "the template cannot be rendered: " + e.message);
    } catch (const LimitExceeded& e) {
        return ApiError{422, "render_limit_exceeded", e.what, "variables"};
    }
    if (strict && !r.missing.empty()) return ApiError{422, "missing_variables", missingMessage(r.missing), "variables"};
    if (hasLineBreak(r.subject))
        return invalidField("variables", "the rendered subject holds CR, LF or NUL (header injection)");
    if (r.subject.size() > 998) return invalidField("variables", "the rendered subject is longer than 998 bytes");
    for (const auto* part : {&r.text, &r.html})
        if (*part && (*part)->find('\0') != std::string::npos)
            return invalidField("variables", "a rendered part holds a NUL byte");
    return r;
}

}  // namespace v2v::gw
