#!/usr/bin/env python3
"""Writes docs/http-reference.md from src/main/resources/openapi.json.

Run from anywhere:  python3 docs/generate-http-reference.py
Standard library only. The output depends on nothing but openapi.json, so running it twice gives
the same bytes. HttpReferenceTest (src/test/java/gatehouse/ops) renders the same page in Java and
fails when the committed file is stale, so the two renderers must stay identical: change both.
"""

import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "src", "main", "resources", "openapi.json")
OUT = os.path.join(ROOT, "docs", "http-reference.md")

# How each security scheme of openapi.json reads in prose.
CREDENTIALS = {
    "clientBasic": "app credentials (HTTP Basic)",
    "bearer": "bearer token",
    "session": "browser session",
    "csrf": "X-CSRF-Token",
}
CONSTRAINTS = ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern", "default"]


def cell(text):
    """Text made safe for one Markdown table cell."""
    return re.sub(r"[ \t\r\n]+", " ", str(text)).strip(" ").replace("|", "\\|")


def compact(value):
    if isinstance(value, str):
        return "`" + value + "`"
    return "`" + json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "`"


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def schema_link(name):
    return "[" + name + "](#schema-" + name.lower() + ")"


def type_of(schema):
    """One line saying what a value is: a schema link, or a type with its format and values."""
    if "$ref" in schema:
        return schema_link(ref_name(schema["$ref"]))
    if "allOf" in schema:
        return " + ".join(type_of(part) for part in schema["allOf"])
    if "const" in schema:
        return compact(schema["const"])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for k in kinds:
        if k == "array":
            words.append("array of " + type_of(schema.get("items", {})))
        elif k == "object" and "properties" in schema:
            words.append("object {" + ", ".join(schema["properties"].keys()) + "}")
        elif k == "object" and isinstance(schema.get("additionalProperties"), dict):
            words.append("map of " + type_of(schema["additionalProperties"]))
        elif k != "null" and "format" in schema:
            words.append(k + " (" + schema["format"] + ")")
        else:
            words.append(k)
    text = " or ".join(words)
    if "enum" in schema:
        text += ": " + ", ".join(compact(v) for v in schema["enum"])
    return text


def constraints(schema):
    return "; ".join(name + " " + compact(schema[name]) for name in CONSTRAINTS if name in schema)


def described(schema):
    """A schema's description followed by its constraints."""
    parts = [p for p in (schema.get("description", ""), constraints(schema)) if p]
    return cell(". ".join(parts))


def field_rows(schema, prefix, lines):
    """One table row per property, nested objects flattened as parent.child."""
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        lines.append("| `" + prefix + name + "` | " + cell(type_of(prop)) + " | "
                     + ("yes" if name in required else "no") + " | " + described(prop) + " |")
        if "properties" in prop:
            field_rows(prop, prefix + name + ".", lines)


def field_table(schema, lines):
    lines.append("| field | type | required | notes |")
    lines.append("|---|---|---|---|")
    field_rows(schema, "", lines)


def who_may_call(security):
    if security is None:
        return "not stated"
    if not security:
        return "anyone"
    choices = []
    for requirement in security:
        names = [CREDENTIALS.get(n, n) for n in requirement.keys()]
        choices.append(" + ".join(names) if names else "no credentials")
    return " or ".join(choices)


def resolve(spec, item, section):
    if "$ref" in item:
        return spec["components"][section][ref_name(item["$ref"])]
    return item


def content_line(content):
    return "; ".join("`" + media + "` " + type_of(body.get("schema", {})) for media, body in content.items())


def operation(spec, method, path, op, lines):
    lines.append("### " + method.upper() + " " + path + ' <a id="op-' + op["operationId"].lower() + '"></a>')
    lines.append("")
    lines.append(op.get("summary", "") + ".")
    lines.append("")
    if "description" in op:
        lines.append(op["description"])
        lines.append("")
    lines.append("**Who may call:** " + who_may_call(op.get("security")) + ".")
    lines.append("")
    parameters = [resolve(spec, p, "parameters") for p in op.get("parameters", [])]
    if parameters:
        lines.append("| parameter | in | required | type | notes |")
        lines.append("|---|---|---|---|---|")
        for p in parameters:
            schema = p.get("schema", {})
            notes = [x for x in (p.get("description", ""), constraints(schema)) if x]
            lines.append("| `" + p["name"] + "` | " + p["in"] + " | " + ("yes" if p.get("required") else "no")
                         + " | " + cell(type_of(schema)) + " | " + cell(". ".join(notes)) + " |")
        lines.append("")
    body = op.get("requestBody")
    if body:
        lines.append("**Body** (" + ("required" if body.get("required") else "optional") + "): "
                     + content_line(body["content"]) + ".")
        if "description" in body:
            lines.append(body["description"])
        lines.append("")
        for media, entry in body["content"].items():
            schema = entry.get("schema", {})
            if "properties" in schema:
                field_table(schema, lines)
                lines.append("")
    lines.append("| status | meaning | body | headers |")
    lines.append("|---|---|---|---|")
    for status in sorted(op["responses"].keys()):
        response = resolve(spec, op["responses"][status], "responses")
        headers = [h for h in response.get("headers", {}).keys() if h != "X-Request-Id"]
        lines.append("| " + status + " | " + cell(response.get("description", "")) + " | "
                     + cell(content_line(response.get("content", {}))) + " | " + cell(", ".join(headers)) + " |")
    lines.append("")


def schema_section(name, schema, lines):
    lines.append("### " + name + ' <a id="schema-' + name.lower() + '"></a>')
    lines.append("")
    if "description" in schema:
        lines.append(schema["description"])
        lines.append("")
    parts = schema.get("allOf", [schema])
    for part in parts:
        if "$ref" in part:
            lines.append("Everything in " + schema_link(ref_name(part["$ref"])) + ", with:")
            lines.append("")
    for part in parts:
        if "properties" in part:
            field_table(part, lines)
            lines.append("")
    if schema.get("additionalProperties") is False:
        lines.append("No other fields.")
        lines.append("")
    if "properties" not in schema and "allOf" not in schema:
        lines.append("A value of type " + type_of(schema) + ".")
        lines.append("")


def render(spec):
    lines = [
        "# HTTP reference",
        "",
        "<!-- Generated from src/main/resources/openapi.json by docs/generate-http-reference.py."
        " Do not edit: change openapi.json, then run `python3 docs/generate-http-reference.py`. -->",
        "",
        "Every route Gatehouse answers, grouped as in the OpenAPI document (served at `/openapi.json`)."
        " The conventions behind these tables (error shape, pagination, CSRF, limits) and the flows"
        " that string the routes together are in [http.md](http.md); who may call what, in more"
        " detail, is in [security.md](security.md). Errors always have the body"
        " [Error](#schema-error). \"Who may call\" lists the accepted credentials; the route's own"
        " rules (roles, scopes, tenant) are in the notes and in security.md.",
        "",
        spec["info"].get("description", ""),
        "",
        "## Routes",
        "",
    ]
    tags = [t["name"] for t in spec.get("tags", [])]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method != "parameters" and not set(op.get("tags", [])) & set(tags):
                raise SystemExit(method.upper() + " " + path + " has no tag listed under the document's tags")
    for tag in tags:
        ops = [(m, p, o) for p, item in spec["paths"].items() for m, o in item.items()
               if m != "parameters" and tag in o.get("tags", [])]
        lines.append("- **" + tag + "**")
        for method, path, op in ops:
            lines.append("  - [" + method.upper() + " " + path + "](#op-" + op["operationId"].lower() + ") — "
                         + op.get("summary", ""))
    lines.append("")
    for tag in spec.get("tags", []):
        lines.append("## " + tag["name"] + ": " + tag.get("description", ""))
        lines.append("")
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if method != "parameters" and tag["name"] in op.get("tags", []):
                    operation(spec, method, path, op, lines)
    lines.append("## Schemas")
    lines.append("")
    for name, schema in spec["components"]["schemas"].items():
        schema_section(name, schema, lines)
    return "\n".join(lines).rstrip("\n") + "\n"


def main():
    with open(SPEC, encoding="utf-8") as f:
        spec = json.load(f)
    text = render(spec)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote " + os.path.relpath(OUT, os.getcwd()) + " (" + str(len(text.splitlines())) + " lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
