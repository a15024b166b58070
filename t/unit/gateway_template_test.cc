// Mustache rendering and template request bodies: escaping per part, missing
// variables and strict mode, sections and loops, hostile templates and
// variables (unterminated tags, partials, injection, work and size bombs).
#include <boost/test/unit_test.hpp>

#include "template_render.h"
#include "template_service.h"

using namespace v2v;
using namespace v2v::gw;

namespace {

TemplateSource tpl(const std::string& subject, std::optional<std::string> text, std::optional<std::string> html) {
    return TemplateSource{subject, std::move(text), std::move(html)};
}

Rendered ok(const TemplateSource& t, const std::string& vars, bool strict = false, const RenderLimits& lim = {}) {
    auto r = renderTemplate(t, vars, strict, lim);
    if (auto* e = std::get_if<ApiError>(&r)) BOOST_FAIL(e->code + " " + e->field + ": " + e->message);
    return std::get<Rendered>(r);
}

ApiError err(const TemplateSource& t, const std::string& vars, bool strict = false, const RenderLimits& lim = {}) {
    auto r = renderTemplate(t, vars, strict, lim);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiError>(r), "expected an error rendering with " + vars);
    return std::get<ApiError>(r);
}

std::string text(const std::string& body, const std::string& vars) { return *ok(tpl("", body, std::nullopt), vars).text; }

}  // namespace

BOOST_AUTO_TEST_SUITE(template_render)

BOOST_AUTO_TEST_CASE(html_is_escaped_subject_and_text_are_raw) {
    const std::string vars = R"({"x":"<script>alert(\"1\") & 'b'</script>"})";
    Rendered r = ok(tpl("Hi {{x}}", "T {{x}}", "<p>{{x}}</p>"), vars);
    BOOST_TEST(r.subject == "Hi <script>alert(\"1\") & 'b'</script>");
    BOOST_TEST(*r.text == "T <script>alert(\"1\") & 'b'</script>");
    BOOST_TEST(*r.html == "<p>&lt;script&gt;alert(&quot;1&quot;) &amp; &apos;b&apos;&lt;/script&gt;</p>");
    BOOST_TEST(r.missing.empty());
}

BOOST_AUTO_TEST_CASE(triple_and_ampersand_stay_raw_in_html) {
    Rendered r = ok(tpl("s", std::nullopt, "{{{x}}}|{{&x}}|{{x}}"), R"({"x":"<b>"})");
    BOOST_TEST(*r.html == "<b>|<b>|&lt;b&gt;");
    BOOST_TEST(!r.text);
}

BOOST_AUTO_TEST_CASE(values_are_not_template_code) {
    // A value holding tags is output, never parsed again.
    BOOST_TEST(text("{{a}}", R"({"a":"{{b}} {{#b}}x{{/b}}","b":"SECRET"})") == "{{b}} {{#b}}x{{/b}}");
}

BOOST_AUTO_TEST_CASE(sections_loops_and_scalars) {
    const std::string vars = R"({"items":[{"name":"a","qty":2},{"name":"b","qty":1.5}],"tags":["x","y"],
        "user":{"first":"Ann","vip":true},"none":[],"off":false,"nul":null,"n":42})";
    BOOST_TEST(text("{{#items}}{{name}}={{qty}};{{/items}}", vars) == "a=2;b=1.5;");
    BOOST_TEST(text("{{#tags}}[{{.}}]{{/tags}}", vars) == "[x][y]");
    BOOST_TEST(text("{{user.first}}{{#user}} {{first}}{{/user}}", vars) == "Ann Ann");
    BOOST_TEST(text("{{#user.vip}}VIP{{/user.vip}}", vars) == "VIP");
    BOOST_TEST(text("{{^none}}empty{{/none}}{{#none}}never{{/none}}", vars) == "empty");
    BOOST_TEST(text("{{^off}}off{{/off}}{{^nul}} nul{{/nul}}", vars) == "off nul");
    BOOST_TEST(text("n={{n}}", vars) == "n=42");
    // Names resolve up the context stack inside a loop.
    BOOST_TEST(text("{{#items}}{{name}}:{{n}} {{/items}}", vars) == "a:42 b:42 ");
    BOOST_TEST(text("{{! a comment }}x", vars) == "x");
    BOOST_TEST(text("{{=<% %>=}}<% n %> {{n}}", vars) == "42 {{n}}");
}

BOOST_AUTO_TEST_CASE(missing_variables_render_empty_and_are_listed) {
    Rendered r = ok(tpl("{{subj}}", "Hi {{name}} {{user.email}} {{name}}{{^admin}}!{{/admin}}{{#cart}}x{{/cart}}",
                        std::nullopt),
                    R"({"user":{}})");
    BOOST_TEST(r.subject == "");
    BOOST_TEST(*r.text == "Hi   !");
    // first-seen order, each once; "admin" is only an inverted section: not missing
    std::vector<std::string> want{"subj", "name", "user.email", "cart"};
    BOOST_TEST(r.missing == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(strict_mode_refuses_missing_variables) {
    ApiError e = err(tpl("Hello {{name}}", "{{order.id}} {{present}}", std::nullopt), R"({"present":1})", true);
    BOOST_TEST(e.status == 422);
    BOOST_TEST(e.code == "missing_variables");
    BOOST_TEST(e.field == "variables");
    BOOST_TEST(e.message == "missing variables: name, order.id");
    // Given as false or null is present, not missing.
    ok(tpl("{{#a}}x{{/a}}{{b}}", "t", std::nullopt), R"({"a":false,"b":null})", true);
    // Variables inside a section that is not rendered are not needed.
    ok(tpl("s", "{{#a}}{{inner}}{{/a}}", std::nullopt), R"({"a":false})", true);
}

BOOST_AUTO_TEST_CASE(rendered_subject_with_line_break_is_refused) {
    ApiError e = err(tpl("Hi {{name}}", "t", std::nullopt), R"({"name":"x\r\nBcc: victim@example.com"})");
    BOOST_TEST(e.status == 422);
    BOOST_TEST(e.field == "variables");
    BOOST_TEST(e.message.find("header injection") != std::string::npos);
    // The same value is fine in the body.
    BOOST_TEST(text("{{name}}", R"({"name":"a\r\nb"})") == "a\r\nb");
    ApiError nul = err(tpl("s", "{{v}}", std::nullopt), R"({"v":"a\u0000b"})");
    BOOST_TEST(nul.message.find("NUL") != std::string::npos);
    std::string longSubject = "{\"v\":\"" + std::string(999, 'x') + "\"}";
    BOOST_TEST(err(tpl("{{v}}", "t", std::nullopt), longSubject).message.find("998") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(variables_must_be_a_bounded_object) {
    TemplateSource t = tpl("s", "t", std::nullopt);
    BOOST_TEST(err(t, "[1,2]").field == "variables");
    BOOST_TEST(err(t, "not json").field == "variables");
    std::string deep = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
    ApiError e = err(t, deep);
    BOOST_TEST(e.field == "variables");
    BOOST_TEST(e.message.find("deeper") != std::string::npos);
    std::string fine = "{\"a\":" + std::string(30, '[') + std::string(30, ']') + "}";
    ok(t, fine);
}

BOOST_AUTO_TEST_CASE(nested_loops_cannot_explode) {
    // 100^4 iterations would print 10^8 copies: refused before doing the work.
    std::string list = "[";
    for (int i = 0; i < 100; ++i) list += (i ? ",1" : "1");
    list += "]";
    std::string vars = "{\"a\":" + list + "}";
    std::string bomb = "{{#a}}{{#a}}{{#a}}{{#a}}0123456789{{/a}}{{/a}}{{/a}}{{/a}}";
    ApiError e = err(tpl("s", bomb, std::nullopt), vars);
    BOOST_TEST(e.status == 422);
    BOOST_TEST(e.code == "render_limit_exceeded");
    // Without any text to print the work is still bounded.
    std::string quiet = "{{#a}}{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}{{/a}}";
    BOOST_TEST(err(tpl("s", quiet, std::nullopt), vars).code == "render_limit_exceeded");
    // A large value printed many times counts against the output bound.
    RenderLimits small;
    small.max_output_bytes = 1 << 20;
    std::string big = "{\"a\":" + list + ",\"v\":\"" + std::string(20000, 'x') + "\"}";
    BOOST_TEST(err(tpl("s", "{{#a}}{{v}}{{/a}}", std::nullopt), big, false, small).code == "render_limit_exceeded");
    // The same template with a realistic list renders.
    BOOST_TEST(text("{{#a}}{{v}}{{/a}}", "{\"a\":[1,2],\"v\":\"ab\"}") == "abab");
}

BOOST_AUTO_TEST_CASE(a_long_wrapper_section_with_a_loop_is_not_overcharged) {
    // The bound is per section entered: a 200 KB wrapper entered once plus a
    // small row section entered 400 times fits easily.
    std::string html = "{{#order}}" + std::string(200000, 'p') + "{{#items}}<tr>{{name}}</tr>{{/items}}{{/order}}";
    std::string items = "[";
    for (int i = 0; i < 400; ++i) items += std::string(i ? "," : "") + "{\"name\":\"n\"}";
    items += "]";
    Rendered r = ok(tpl("s", std::nullopt, html), "{\"order\":{\"items\":" + items + "}}");
    BOOST_TEST(r.html->size() == 200000u + 400u * 10u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(template_syntax)

BOOST_AUTO_TEST_CASE(valid_templates_pass) {
    for (const char* t : {"", "plain", "{{a}}", "{{{a}}}", "{{#a}}{{b}}{{/a}}", "{{^a}}x{{/a}}", "{{! c }}",
                          "{{=<% %>=}}<%a%><%={{ }}=%>{{b}}", "{ {a} }", "}}", "x{"})
        BOOST_TEST(checkTemplateSyntax(t) == "", t);
}

BOOST_AUTO_TEST_CASE(hostile_templates_get_a_located_error) {
    BOOST_TEST(checkTemplateSyntax("Hello\n{{name") == "line 2: unclosed tag (no '}}')");
    BOOST_TEST(checkTemplateSyntax("{{{raw}}") == "line 1: unclosed tag (no '}}}')");
    BOOST_TEST(checkTemplateSyntax("a{{") == "line 1: unclosed tag (no '}}')");
    BOOST_TEST(checkTemplateSyntax("{{#a}}\n\nx") == "line 1: section 'a' is never closed");
    BOOST_TEST(checkTemplateSyntax("{{/a}}") == "line 1: {{/a}} closes no open section");
    BOOST_TEST(checkTemplateSyntax("{{#a}}{{#b}}{{/a}}{{/b}}") == "line 1: {{/a}} closes section 'b'");
    BOOST_TEST(checkTemplateSyntax("{{> header}}") == "line 1: partials ({{> name}}) are not supported");
    BOOST_TEST(checkTemplateSyntax("x {{ }}") == "line 1: empty tag");
    BOOST_TEST(checkTemplateSyntax("{{#}}{{/}}") == "line 1: empty tag");
    BOOST_TEST(checkTemplateSyntax("{{=<%%>=}}") == "line 1: invalid set-delimiter tag");
    BOOST_TEST(checkTemplateSyntax("{{= = =}}") == "line 1: invalid set-delimiter tag");
    BOOST_TEST(checkTemplateSyntax("{{=<% %>=}}<%a") == "line 1: unclosed tag (no '%>')");
    // kainjow takes {{{=...=}}} as a set-delimiter tag too: the check must follow it
    BOOST_TEST(checkTemplateSyntax("{{{=<% %>=}}}<%> p%>") == "line 1: partials ({{> name}}) are not supported");
    BOOST_TEST(checkTemplateSyntax("{{{=<% %>=}}}<%#a%>") == "line 1: section 'a' is never closed");
    std::string deep;
    for (int i = 0; i < 33; ++i) deep += "{{#a}}";
    BOOST_TEST(checkTemplateSyntax(deep) == "line 1: sections nest deeper than 32");
    // Very deep nesting is refused without recursion (no stack overflow).
    std::string bomb;
    for (int i = 0; i < 200000; ++i) bomb += "{{#a}}";
    BOOST_TEST(checkTemplateSyntax(bomb).find("deeper") != std::string::npos);
    std::string binary("\xff\xfe{{a}}\x01", 8);
    BOOST_TEST(checkTemplateSyntax(binary) == "");
}

BOOST_AUTO_TEST_CASE(validate_names_the_part) {
    auto e = validateTemplate(tpl("ok", "fine", "<p>{{#x}}</p>"));
    BOOST_REQUIRE(e);
    BOOST_TEST(e->field == "html");
    BOOST_TEST(e->status == 422);
    e = validateTemplate(tpl("Hi\r\nBcc: x", "t", std::nullopt));
    BOOST_REQUIRE(e);
    BOOST_TEST(e->field == "subject");
    e = validateTemplate(tpl("s", std::nullopt, std::nullopt));
    BOOST_REQUIRE(e);
    BOOST_TEST(e->field == "text");
    e = validateTemplate(tpl("s", std::string("a\0b", 3), std::nullopt));
    BOOST_REQUIRE(e);
    BOOST_TEST(e->message == "holds a NUL byte");
    BOOST_TEST(!validateTemplate(tpl("s", "t", "h")));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(template_bodies)

BOOST_AUTO_TEST_CASE(create_and_put_bodies) {
    auto c = parseTemplateBody(R"({"name":"welcome","subject":"Hi {{n}}","text":"t","html":null})", "");
    BOOST_REQUIRE(std::holds_alternative<TemplateInput>(c));
    BOOST_TEST(std::get<TemplateInput>(c).name == "welcome");
    BOOST_TEST(!std::get<TemplateInput>(c).source.html);
    auto p = parseTemplateBody(R"({"subject":"s","html":"<p>"})", "welcome");
    BOOST_REQUIRE(std::holds_alternative<TemplateInput>(p));
    BOOST_TEST(std::get<TemplateInput>(p).name == "welcome");

    auto error = [](const std::string& body, const std::string& path) {
        auto r = parseTemplateBody(body, path);
        BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiError>(r), body);
        return std::get<ApiError>(r);
    };
    BOOST_TEST(error("{", "").status == 400);
    BOOST_TEST(error("[]", "").status == 400);
    BOOST_TEST(error(R"({"subject":"s","text":"t"})", "").field == "name");
    BOOST_TEST(error(R"({"name":"a b","subject":"s","text":"t"})", "").field == "name");
    BOOST_TEST(error(R"({"name":"other","subject":"s","text":"t"})", "welcome").field == "name");
    BOOST_TEST(error(R"({"name":"n","text":"t"})", "").field == "subject");
    BOOST_TEST(error(R"({"name":"n","subject":"s","text":"t","version":2})", "").field == "version");
    BOOST_TEST(error(R"({"name":"n","subject":"s","text":7})", "").field == "text");
    BOOST_TEST(error(R"({"name":"n","subject":"s","text":"{{x"})", "").message == "line 1: unclosed tag (no '}}')");
    ApiError big = error("{\"name\":\"n\",\"subject\":\"s\",\"html\":\"" + std::string(kMaxTemplatePartBytes + 1, 'x') + "\"}", "");
    BOOST_TEST(big.status == 413);
    BOOST_TEST(big.field == "html");
}

BOOST_AUTO_TEST_CASE(render_bodies) {
    auto r = parseRenderBody("");
    BOOST_REQUIRE(std::holds_alternative<RenderRequest>(r));
    BOOST_TEST(std::get<RenderRequest>(r).variables_json == "{}");
    r = parseRenderBody(R"({"variables":{"a":1},"version":3,"strict":true})");
    BOOST_REQUIRE(std::holds_alternative<RenderRequest>(r));
    BOOST_TEST(*std::get<RenderRequest>(r).version == 3);
    BOOST_TEST(std::get<RenderRequest>(r).strict);
    for (const char* bad : {R"({"variables":[1]})", R"({"version":0})", R"({"version":"2"})", R"({"strict":1})",
                            R"({"vars":{}})"}) {
        auto e = parseRenderBody(bad);
        BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiError>(e), bad);
        BOOST_TEST(std::get<ApiError>(e).status == 422, bad);
    }
    BOOST_TEST(std::get<ApiError>(parseRenderBody("{x")).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()
