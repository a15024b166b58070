// Mustache templates (kainjow mustache, confined to template_render.cc): syntax
// check at save time and rendering with variables at send/preview time. Pure.
// html is HTML-escaped ({{x}}; {{{x}}} and {{&x}} stay raw), subject and text
// are raw. Partials are refused (a variable must never become template code);
// section depth, variable nesting, work and output size are bounded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api_error.h"

namespace v2v::gw {

struct TemplateSource {
    std::string subject;
    std::optional<std::string> text, html;  // at least one is set
};

struct RenderLimits {
    std::size_t max_section_depth = 32;       // nested {{#..}} in a template
    std::size_t max_variable_depth = 32;      // nested objects/arrays in variables
    std::size_t max_output_bytes = 16u << 20;  // all three parts together (upper bound)
    std::size_t max_steps = 1000000;          // variable lookups + section iterations
};

// "" when `tmpl` is a valid template under `limits`, else a message such as
// "line 3: unclosed tag". The checks mirror kainjow's parser, plus: no partials,
// no empty tags, matching section names, bounded section depth.
std::string checkTemplateSyntax(const std::string& tmpl, const RenderLimits& limits = {});

// Checks every part; the error names the part ("subject", "text", "html").
std::optional<ApiError> validateTemplate(const TemplateSource& t, const RenderLimits& limits = {});

struct Rendered {
    std::string subject;
    std::optional<std::string> text, html;
    // Variables the template looked up and did not find (first-seen order);
    // names used only as {{^inverted}} sections do not count.
    std::vector<std::string> missing;
};

// `variablesJson`: a JSON object. With `strict`, missing variables are a 422
// (code "missing_variables", field "variables", message listing them).
// Errors: 422 for bad variables / missing ones / limits; a rendered subject
// holding CR or LF (header injection through a variable) is refused.
std::variant<Rendered, ApiError> renderTemplate(const TemplateSource& t, const std::string& variablesJson,
                                                bool strict, const RenderLimits& limits = {});

// "missing variables: a, b.c" (at most 20 names, then "...").
std::string missingMessage(const std::vector<std::string>& missing);

}  // namespace v2v::gw
