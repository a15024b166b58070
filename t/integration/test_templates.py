"""Templates (issue 3): CRUD with versions, Mustache rendering (HTML-escaped in
html, raw in subject and text) checked on the delivered message, previews,
strict mode, hostile templates and every error code of the template API."""
import uuid

import pytest

from conftest import parse_message, wait_until
from conftest import make_client

SCOPES = "send templates read"


@pytest.fixture(scope="module")
def tok(stack):
    return make_client(stack, "tpl-" + uuid.uuid4().hex[:8], scopes=SCOPES, rate=1000, burst=1000)


def name():
    return "t-" + uuid.uuid4().hex[:12]


def create(stack, tok, n, **fields):
    body = {"name": n, "subject": "Hi {{name}}", "text": "Hello {{name}}", "html": "<p>Hello {{name}}</p>"}
    body.update(fields)
    r = stack.request("POST", "/api/v1/templates", body, token=tok)
    assert r.status == 201, r
    return r.json()


def send(stack, tok, **fields):
    body = {"from": "app@" + stack.from_domain, "to": ["user@remote.test"]}
    body.update(fields)
    return stack.request("POST", "/api/v1/email/send", body, token=tok)


def test_create_put_versions_get_list_delete(stack, tok):
    n = name()
    t = create(stack, tok, n)
    assert t["version"] == 1 and t["name"] == n and t["subject"] == "Hi {{name}}"
    assert t["created_at"].endswith("Z")
    again = stack.request("POST", "/api/v1/templates", {"name": n, "subject": "x", "text": "x"}, token=tok)
    assert again.status == 409 and again.json()["error"]["code"] == "conflict"

    r = stack.request("PUT", "/api/v1/templates/" + n, {"subject": "v2 {{name}}", "text": "two"}, token=tok)
    assert r.status == 200 and r.json()["version"] == 2, r
    r = stack.request("PUT", "/api/v1/templates/" + n, {"subject": "v2 {{name}}", "text": "two"}, token=tok)
    assert r.status == 200 and r.json()["version"] == 3, "every PUT is a new version, even unchanged"

    latest = stack.request("GET", "/api/v1/templates/" + n, token=tok).json()
    assert latest["version"] == 3 and latest["html"] is None and latest["text"] == "two"
    v1 = stack.request("GET", "/api/v1/templates/%s?version=1" % n, token=tok).json()
    assert v1["version"] == 1 and v1["html"] == "<p>Hello {{name}}</p>"
    assert stack.request("GET", "/api/v1/templates/%s?version=9" % n, token=tok).status == 404
    bad = stack.request("GET", "/api/v1/templates/%s?version=one" % n, token=tok)
    assert bad.status == 422 and bad.json()["error"]["field"] == "version"

    listed = stack.request("GET", "/api/v1/templates?limit=1000", token=tok).json()
    mine = [x for x in listed["templates"] if x["name"] == n]
    assert mine == [{"name": n, "version": 3, "subject": "v2 {{name}}", "updated_at": mine[0]["updated_at"]}]

    assert stack.request("DELETE", "/api/v1/templates/" + n, token=tok).status == 204
    assert stack.request("GET", "/api/v1/templates/" + n, token=tok).status == 404
    assert stack.request("GET", "/api/v1/templates/%s?version=1" % n, token=tok).status == 404
    assert stack.request("DELETE", "/api/v1/templates/" + n, token=tok).status == 404
    assert n not in [x["name"] for x in stack.request("GET", "/api/v1/templates", token=tok).json()["templates"]]
    # PUT on a deleted (or new) name creates it; numbers are never reused
    r = stack.request("PUT", "/api/v1/templates/" + n, {"subject": "s", "text": "back"}, token=tok)
    assert r.status == 201 and r.json()["version"] == 4, r


def test_list_is_paged_and_per_client(stack, tok):
    own = make_client(stack, "tpl-page-" + uuid.uuid4().hex[:8], scopes=SCOPES)
    names = sorted(name() for _ in range(5))
    for n in names:
        create(stack, own, n)
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/templates?limit=2" + ("&cursor=" + cursor if cursor else "")
        page = stack.request("GET", path, token=own)
        assert page.status == 200, page
        body = page.json()
        assert len(body["templates"]) <= 2
        seen += [x["name"] for x in body["templates"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == names and pages == 3
    # another client sees none of them, by list or by name
    other = stack.request("GET", "/api/v1/templates?limit=1000", token=tok).json()["templates"]
    assert not set(names) & {x["name"] for x in other}
    assert stack.request("GET", "/api/v1/templates/" + names[0], token=tok).status == 404
    assert stack.request("DELETE", "/api/v1/templates/" + names[0], token=tok).status == 404
    bad = stack.request("GET", "/api/v1/templates?cursor=%%%", token=own)
    assert bad.status == 422 and bad.json()["error"]["field"] == "cursor"
    assert stack.request("GET", "/api/v1/templates?limit=0", token=own).status == 422


def test_template_send_escapes_html_and_keeps_text_raw(stack, tok):
    n = name()
    create(stack, tok, n)
    evil = "<script>alert('x')</script> & \"q\""
    r = send(stack, tok, template=n, variables={"name": evil})
    assert r.status == 202, r
    body = r.json()
    (meta, raw), = stack.wait_sink(body["message_id"])
    msg = parse_message(raw)
    assert msg["Subject"] == "Hi " + evil
    assert msg.get_body(("plain",)).get_content().rstrip("\r\n") == "Hello " + evil
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "<p>Hello &lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;</p>" in html
    # the email records the template name and version
    got = stack.request("GET", "/api/v1/email/" + body["id"], token=tok).json()
    assert got["template"] == {"name": n, "version": 1}
    assert stack.query("SELECT template_name, template_version FROM emails WHERE id=?", body["id"]) == [
        {"template_name": n, "template_version": 1}]


def test_send_uses_the_requested_version(stack, tok):
    n = name()
    create(stack, tok, n, subject="first {{x}}", text="one", html=None)
    stack.request("PUT", "/api/v1/templates/" + n, {"subject": "second {{x}}", "text": "two"}, token=tok)
    marker = uuid.uuid4().hex
    old = send(stack, tok, template=n, template_version=1, variables={"x": marker})
    new = send(stack, tok, template=n, variables={"x": marker})
    assert old.status == 202 and new.status == 202
    (_, raw_old), = stack.wait_sink(old.json()["message_id"])
    (_, raw_new), = stack.wait_sink(new.json()["message_id"])
    assert parse_message(raw_old)["Subject"] == "first " + marker
    assert parse_message(raw_new)["Subject"] == "second " + marker
    assert stack.request("GET", "/api/v1/email/" + new.json()["id"], token=tok).json()["template"]["version"] == 2


def test_loops_and_sections_in_a_delivered_message(stack, tok):
    n = name()
    create(stack, tok, n, subject="Order {{order.id}}",
           text="{{#items}}- {{name}} x{{qty}}\n{{/items}}{{^items}}empty{{/items}}{{#vip}}VIP{{/vip}}",
           html="<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>")
    r = send(stack, tok, template=n, variables={"order": {"id": 77}, "vip": True,
                                                 "items": [{"name": "Tea", "qty": 2}, {"name": "<Cup>", "qty": 1}]})
    assert r.status == 202, r
    (_, raw), = stack.wait_sink(r.json()["message_id"])
    msg = parse_message(raw)
    assert msg["Subject"] == "Order 77"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == "- Tea x2\n- <Cup> x1\nVIP"
    assert "<ul><li>Tea</li><li>&lt;Cup&gt;</li></ul>" in msg.get_body(("html",)).get_content()


def test_strict_mode_on_send_lists_missing_variables(stack, tok):
    n = name()
    create(stack, tok, n, text="{{greeting}} {{user.name}}, {{#coupon}}{{code}}{{/coupon}}{{^vip}}!{{/vip}}")
    r = send(stack, tok, template=n, variables={"greeting": "Hi"}, strict=True)
    assert r.status == 422, r
    err = r.json()["error"]
    assert err["code"] == "missing_variables" and err["field"] == "variables"
    assert err["message"] == "missing variables: name, user.name, coupon"
    # not strict: accepted, missing variables render empty
    r = send(stack, tok, template=n, variables={"greeting": "Hi"})
    assert r.status == 202, r
    (_, raw), = stack.wait_sink(r.json()["message_id"])
    assert parse_message(raw).get_body(("plain",)).get_content().rstrip("\r\n") == "Hi , !"
    ok = send(stack, tok, template=n, strict=True,
              variables={"name": "n", "greeting": "Hi", "user": {"name": "Ann"}, "coupon": False})
    assert ok.status == 202, ok


def test_send_errors_with_templates(stack, tok):
    n = name()
    create(stack, tok, n)
    cases = [
        ({"template": "no-such-" + n}, 422, "template"),
        ({"template": n, "template_version": 5}, 422, "template_version"),
        ({"template": n, "subject": "both"}, 422, "template"),
        ({"template": n, "variables": ["not", "an", "object"]}, 422, "variables"),
        ({"template": n, "strict": "yes"}, 422, "strict"),
        ({"subject": "s", "text": "t", "strict": True}, 422, "strict"),
        ({"template": n, "variables": {"name": "x\r\nBcc: victim@remote.test"}}, 422, "variables"),
    ]
    for fields, status, field in cases:
        r = send(stack, tok, **fields)
        assert r.status == status, (fields, r)
        assert r.json()["error"]["field"] == field, (fields, r)
    # another client's template does not exist for this one
    other = make_client(stack, "tpl-other-" + uuid.uuid4().hex[:8], scopes=SCOPES)
    r = send(stack, other, template=n)
    assert r.status == 422 and r.json()["error"]["field"] == "template"


def test_render_preview(stack, tok):
    n = name()
    create(stack, tok, n, subject="Hi {{name}}", text="{{name}} {{missing}}", html="<b>{{name}}</b>")
    stack.request("PUT", "/api/v1/templates/" + n, {"subject": "v2", "text": "v2 {{name}}"}, token=tok)
    r = stack.request("POST", "/api/v1/templates/%s/render" % n, {"variables": {"name": "<A&B>"}, "version": 1},
                      token=tok)
    assert r.status == 200, r
    assert r.json() == {"name": n, "version": 1, "subject": "Hi <A&B>", "text": "<A&B> ",
                        "html": "<b>&lt;A&amp;B&gt;</b>", "missing": ["missing"]}
    latest = stack.request("POST", "/api/v1/templates/%s/render" % n, {}, token=tok).json()
    assert latest["version"] == 2 and latest["text"] == "v2 " and latest["missing"] == ["name"]
    strict = stack.request("POST", "/api/v1/templates/%s/render" % n,
                           {"variables": {"name": "x"}, "version": 1, "strict": True}, token=tok)
    assert strict.status == 422
    assert strict.json()["error"]["missing"] == ["missing"]
    assert strict.json()["error"]["code"] == "missing_variables"
    assert stack.request("POST", "/api/v1/templates/nope-%s/render" % n, {}, token=tok).status == 404
    assert stack.request("POST", "/api/v1/templates/%s/render" % n, {"version": 7}, token=tok).status == 404
    bad = stack.request("POST", "/api/v1/templates/%s/render" % n, {"vars": {}}, token=tok)
    assert bad.status == 422 and bad.json()["error"]["field"] == "vars"


def test_hostile_templates_are_refused_with_location(stack, tok):
    cases = [
        ({"text": "Hello\n{{name"}, "text", "line 2: unclosed tag"),
        ({"html": "<p>{{#items}}<li>"}, "html", "never closed"),
        ({"text": "{{#a}}{{/b}}"}, "text", "closes section 'a'"),
        ({"text": "{{> header}}"}, "text", "partials"),
        ({"text": "{{#a}}" * 40 + "{{/a}}" * 40}, "text", "deeper than 32"),
        ({"subject": "a\r\nBcc: victim@remote.test"}, "subject", "header injection"),
        ({"text": None, "html": None}, "text", "text or html is required"),
        ({"text": 5}, "text", "must be a string"),
        ({"color": "red"}, "color", "unknown field"),
    ]
    for fields, field, words in cases:
        body = {"name": name(), "subject": "s", "text": "t"}
        body.update(fields)
        r = stack.request("POST", "/api/v1/templates", body, token=tok)
        assert r.status == 422, (fields, r)
        err = r.json()["error"]
        assert err["field"] == field and words in err["message"], (fields, err)
    for bad_name in ("has space", "x" * 129, "semi;colon"):
        r = stack.request("POST", "/api/v1/templates", {"name": bad_name, "subject": "s", "text": "t"}, token=tok)
        assert r.status == 422 and r.json()["error"]["field"] == "name"


def test_render_work_is_bounded(stack, tok):
    n = name()
    create(stack, tok, n, text="{{#a}}{{#a}}{{#a}}{{#a}}0123456789{{/a}}{{/a}}{{/a}}{{/a}}", html=None)
    r = stack.request("POST", "/api/v1/templates/%s/render" % n, {"variables": {"a": list(range(100))}}, token=tok)
    assert r.status == 422 and r.json()["error"]["code"] == "render_limit_exceeded", r
    r = send(stack, tok, template=n, variables={"a": list(range(100))})
    assert r.status == 422 and r.json()["error"]["code"] == "render_limit_exceeded", r
    # the gateway is still answering
    assert stack.request("GET", "/api/v1/health/live", token=None).status == 200


def test_template_api_error_codes(stack, tok):
    n = name()
    create(stack, tok, n)
    # 400 malformed JSON
    r = stack.request("POST", "/api/v1/templates", raw=b"{nope", token=tok)
    assert r.status == 400 and r.json()["error"]["code"] == "malformed"
    assert stack.request("PUT", "/api/v1/templates/" + n, raw=b"[]", token=tok).status == 400
    assert stack.request("POST", "/api/v1/templates/%s/render" % n, raw=b"{", token=tok).status == 400
    deep = b'{"variables":{"v":' + b"[" * 1000000 + b"]" * 1000000 + b"}}"
    r = stack.request("POST", "/api/v1/templates/%s/render" % n, raw=deep, token=tok)
    assert r.status == 400 and "deeper" in r.json()["error"]["message"], r
    r = stack.request("POST", "/api/v1/email/send", raw=deep[:-1] + b',"template":"%s","from":"a@%s","to":["b@remote.test"]}'
                      % (n.encode(), stack.from_domain.encode()), token=tok)
    assert r.status == 400, r
    assert stack.request("GET", "/api/v1/health/live", token=None).status == 200
    # 401 without or with a bad token
    for t in (None, "a.b.c"):
        for method, path in (("GET", "/api/v1/templates"), ("GET", "/api/v1/templates/" + n),
                             ("DELETE", "/api/v1/templates/" + n), ("POST", "/api/v1/templates/%s/render" % n)):
            r = stack.request(method, path, token=t)
            assert r.status == 401 and r.json()["error"]["code"] == "unauthorized", (method, path, r)
    # 403 without the templates scope
    reader = make_client(stack, "tpl-reader-" + uuid.uuid4().hex[:8], scopes="send read")
    for method, path, body in (("GET", "/api/v1/templates", None), ("GET", "/api/v1/templates/" + n, None),
                               ("POST", "/api/v1/templates", {"name": name(), "subject": "s", "text": "t"}),
                               ("PUT", "/api/v1/templates/" + n, {"subject": "s", "text": "t"}),
                               ("DELETE", "/api/v1/templates/" + n, None),
                               ("POST", "/api/v1/templates/%s/render" % n, {})):
        r = stack.request(method, path, body, token=reader)
        assert r.status == 403 and r.json()["error"]["code"] == "forbidden", (method, path, r)
    assert stack.request("GET", "/api/v1/templates/" + n, token=tok).json()["version"] == 1  # untouched
    # 404 unknown or malformed names
    assert stack.request("GET", "/api/v1/templates/nope-" + n, token=tok).status == 404
    assert stack.request("GET", "/api/v1/templates/%2e%2e", token=tok).status == 404
    # 409 create over an existing name
    r = stack.request("POST", "/api/v1/templates", {"name": n, "subject": "s", "text": "t"}, token=tok)
    assert r.status == 409 and r.json()["error"]["field"] == "name"
    # 413 a part over 1 MiB
    r = stack.request("POST", "/api/v1/templates", {"name": name(), "subject": "s", "html": "x" * (1 << 20 | 1)},
                      token=tok)
    assert r.status == 413 and r.json()["error"] == {"code": "template_too_large", "field": "html",
                                                     "message": "is longer than 1048576 bytes"}
    # 422 PUT body naming another template
    r = stack.request("PUT", "/api/v1/templates/" + n, {"name": "other", "subject": "s", "text": "t"}, token=tok)
    assert r.status == 422 and r.json()["error"]["field"] == "name"
