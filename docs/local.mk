# docs: API reference (per resource, and the OpenAPI document the gateway serves)
# and the guide to wiring V2V Mail into an existing Postfix.
v2vapidocdir = $(docdir)/api
dist_v2vapidoc_DATA = docs/api/email.md docs/api/send.md docs/api/suppressions.md docs/api/templates.md \
	docs/api/openapi.yaml
dist_doc_DATA = docs/postfix-integration.md
