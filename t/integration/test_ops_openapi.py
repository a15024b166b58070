"""The OpenAPI 3 document of the REST API (docs/api/openapi.yaml, issue 7):
served at /api/v1/openapi.yaml, well-formed, listing every route the gateway
registers, and every route it lists answers (is not the router's 404)."""
import glob
import os
import re
import uuid

import yaml

from conftest import TOP

DOC = os.path.join(TOP, "docs", "api", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "head", "patch", "options")
ROUTER_404 = '"message":"no such route"'


def document():
    with open(DOC) as f:
        return yaml.safe_load(f)


def normalize(path):
    """/a/:id, /a/{id} and /a/{id}.gif all become /a/{}."""
    return "/".join("{}" if (s.startswith(":") or "{" in s) else s for s in path.split("/"))


def registered_routes():
    """(METHOD, path) of every Routes::X(router, "path", ...) in the gateway's sources."""
    out = set()
    for f in glob.glob(os.path.join(TOP, "gateway", "*.cc")):
        text = open(f).read()
        for m in re.finditer(r'Routes::(Get|Post|Put|Delete|Head|Patch|Options)\(\s*\w+\s*,\s*"([^"]+)"', text):
            out.add((m.group(1).upper(), m.group(2)))
    return out


def documented_routes(doc):
    return {(m.upper(), p) for p, item in doc["paths"].items() for m in METHODS if m in item}


def test_served_document_is_the_file(stack):
    r = stack.request("GET", "/api/v1/openapi.yaml", token=None)
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(r.body) == document()


def test_document_is_well_formed():
    doc = document()
    assert str(doc["openapi"]).startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    text = open(DOC).read()
    for ref in set(re.findall(r'\$ref: "#/([^"]+)"', text)):
        node = doc
        for part in ref.split("/"):
            assert part in node, "unresolved $ref #/" + ref
            node = node[part]
    schemes = set(doc["components"]["securitySchemes"])
    for path, item in doc["paths"].items():
        declared = {p["name"] for p in item.get("parameters", []) if "name" in p and p.get("in") == "path"}
        for m in METHODS:
            if m not in item:
                continue
            op = item[m]
            assert op.get("responses"), "%s %s has no responses" % (m, path)
            names = declared | {p["name"] for p in op.get("parameters", []) if "name" in p and p.get("in") == "path"}
            for want in re.findall(r"\{(\w+)\}", path):
                assert want in names, "%s %s: path parameter %s is not declared" % (m, path, want)
            for req in op.get("security", doc.get("security", [])):
                assert set(req) <= schemes, "%s %s: unknown security scheme %s" % (m, path, req)


def test_every_registered_route_is_documented():
    documented = {(m, normalize(p)) for m, p in documented_routes(document())}
    registered = registered_routes()
    assert len(registered) >= 20  # the scan found the API
    missing = sorted((m, p) for m, p in registered if (m, normalize(p)) not in documented)
    assert not missing, "routes missing from docs/api/openapi.yaml: %s" % missing


def test_every_documented_route_answers(stack):
    values = {"id": uuid.uuid4().hex, "name": "no-such-template-" + uuid.uuid4().hex[:6],
              "email": "nobody%40example.test", "token": "not-a-token"}
    for method, path in sorted(documented_routes(document())):
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        body = {} if method in ("POST", "PUT", "PATCH") else None
        r = stack.request(method, url, body)
        assert not (r.status == 404 and ROUTER_404 in r.body), "%s %s: not routed" % (method, url)
        assert r.status != 405, "%s %s: method not allowed" % (method, url)


def test_an_undocumented_path_gets_the_router_404(stack):
    r = stack.request("GET", "/api/v1/no-such-resource-" + uuid.uuid4().hex)
    assert r.status == 404 and ROUTER_404 in r.body
