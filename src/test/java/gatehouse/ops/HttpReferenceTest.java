package gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * docs/http-reference.md is generated from openapi.json by docs/generate-http-reference.py. This test
 * renders the same page in Java (the build must not depend on python3) and fails when the committed
 * page no longer matches the OpenAPI document. The two renderers are twins: a change to one is a
 * change to both.
 */
class HttpReferenceTest {
    private static final Path SPEC = Path.of("src/main/resources/openapi.json");
    private static final Path REFERENCE = Path.of("docs/http-reference.md");
    private static final String REGENERATE = "python3 docs/generate-http-reference.py";

    @Test
    void theHttpReferenceMatchesTheOpenApiDocument() throws IOException {
        String expected = new Renderer(new ObjectMapper().readTree(SPEC.toFile())).render();
        String committed = Files.exists(REFERENCE) ? Files.readString(REFERENCE, StandardCharsets.UTF_8) : "";

        assertThat(committed)
                .as("docs/http-reference.md is stale (openapi.json changed); regenerate it with `%s` and commit it",
                        REGENERATE)
                .isEqualTo(expected);
    }

    @Test
    void everyOperationOfTheDocumentHasItsSectionInTheReference() throws IOException {
        JsonNode spec = new ObjectMapper().readTree(SPEC.toFile());
        String page = new Renderer(spec).render();
        for (Map.Entry<String, JsonNode> path : spec.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                assertThat(page).contains("### " + op.getKey().toUpperCase() + " " + path.getKey() + " <a id=\"op-");
            }
        }
    }

    /** The Java twin of docs/generate-http-reference.py, function for function. */
    private static final class Renderer {
        private static final Map<String, String> CREDENTIALS = Map.of(
                "clientBasic", "app credentials (HTTP Basic)",
                "bearer", "bearer token",
                "session", "browser session",
                "csrf", "X-CSRF-Token");
        private static final List<String> CONSTRAINTS =
                List.of("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern", "default");
        private static final ObjectMapper COMPACT = new ObjectMapper();

        private final JsonNode spec;

        Renderer(JsonNode spec) {
            this.spec = spec;
        }

        private static String cell(String text) {
            return text.replaceAll("[ \\t\\r\\n]+", " ").replaceAll("^ +| +$", "").replace("|", "\\|");
        }

        private static String compact(JsonNode value) {
            if (value.isTextual()) {
                return "`" + value.asText() + "`";
            }
            try {
                return "`" + COMPACT.writeValueAsString(value) + "`";
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String refName(String ref) {
            return ref.substring(ref.lastIndexOf('/') + 1);
        }

        private static String schemaLink(String name) {
            return "[" + name + "](#schema-" + name.toLowerCase() + ")";
        }

        private static String text(JsonNode node, String field) {
            return node.has(field) ? node.get(field).asText() : "";
        }

        private static String typeOf(JsonNode schema) {
            if (schema.has("$ref")) {
                return schemaLink(refName(schema.get("$ref").asText()));
            }
            if (schema.has("allOf")) {
                List<String> parts = new ArrayList<>();
                schema.get("allOf").forEach(part -> parts.add(typeOf(part)));
                return String.join(" + ", parts);
            }
            if (schema.has("const")) {
                return compact(schema.get("const"));
            }
            List<String> kinds = new ArrayList<>();
            JsonNode type = schema.get("type");
            if (type == null) {
                kinds.add("any");
            } else if (type.isArray()) {
                type.forEach(k -> kinds.add(k.asText()));
            } else {
                kinds.add(type.asText());
            }
            List<String> words = new ArrayList<>();
            for (String k : kinds) {
                if (k.equals("array")) {
                    words.add("array of " + typeOf(schema.path("items")));
                } else if (k.equals("object") && schema.has("properties")) {
                    List<String> names = new ArrayList<>();
                    schema.get("properties").properties().forEach(e -> names.add(e.getKey()));
                    words.add("object {" + String.join(", ", names) + "}");
                } else if (k.equals("object") && schema.path("additionalProperties").isObject()) {
                    words.add("map of " + typeOf(schema.get("additionalProperties")));
                } else if (!k.equals("null") && schema.has("format")) {
                    words.add(k + " (" + schema.get("format").asText() + ")");
                } else {
                    words.add(k);
                }
            }
            String text = String.join(" or ", words);
            if (schema.has("enum")) {
                List<String> values = new ArrayList<>();
                schema.get("enum").forEach(v -> values.add(compact(v)));
                text += ": " + String.join(", ", values);
            }
            return text;
        }

        private static String constraints(JsonNode schema) {
            List<String> found = new ArrayList<>();
            for (String name : CONSTRAINTS) {
                if (schema.has(name)) {
                    found.add(name + " " + compact(schema.get(name)));
                }
            }
            return String.join("; ", found);
        }

        private static String joinPresent(String separator, String... parts) {
            List<String> present = new ArrayList<>();
            for (String part : parts) {
                if (!part.isEmpty()) {
                    present.add(part);
                }
            }
            return String.join(separator, present);
        }

        private static String described(JsonNode schema) {
            return cell(joinPresent(". ", text(schema, "description"), constraints(schema)));
        }

        private static void fieldRows(JsonNode schema, String prefix, List<String> lines) {
            Set<String> required = new HashSet<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            for (Map.Entry<String, JsonNode> e : schema.path("properties").properties()) {
                String name = e.getKey();
                JsonNode prop = e.getValue();
                lines.add("| `" + prefix + name + "` | " + cell(typeOf(prop)) + " | "
                        + (required.contains(name) ? "yes" : "no") + " | " + described(prop) + " |");
                if (prop.has("properties")) {
                    fieldRows(prop, prefix + name + ".", lines);
                }
            }
        }

        private static void fieldTable(JsonNode schema, List<String> lines) {
            lines.add("| field | type | required | notes |");
            lines.add("|---|---|---|---|");
            fieldRows(schema, "", lines);
        }

        private static String whoMayCall(JsonNode security) {
            if (security == null) {
                return "not stated";
            }
            if (security.isEmpty()) {
                return "anyone";
            }
            List<String> choices = new ArrayList<>();
            for (JsonNode requirement : security) {
                List<String> names = new ArrayList<>();
                requirement.properties().forEach(e -> names.add(CREDENTIALS.getOrDefault(e.getKey(), e.getKey())));
                choices.add(names.isEmpty() ? "no credentials" : String.join(" + ", names));
            }
            return String.join(" or ", choices);
        }

        private JsonNode resolve(JsonNode item, String section) {
            if (item.has("$ref")) {
                return spec.get("components").get(section).get(refName(item.get("$ref").asText()));
            }
            return item;
        }

        private static String contentLine(JsonNode content) {
            List<String> parts = new ArrayList<>();
            content.properties().forEach(e -> parts.add("`" + e.getKey() + "` " + typeOf(e.getValue().path("schema"))));
            return String.join("; ", parts);
        }

        private void operation(String method, String path, JsonNode op, List<String> lines) {
            lines.add("### " + method.toUpperCase() + " " + path + " <a id=\"op-"
                    + op.get("operationId").asText().toLowerCase() + "\"></a>");
            lines.add("");
            lines.add(text(op, "summary") + ".");
            lines.add("");
            if (op.has("description")) {
                lines.add(op.get("description").asText());
                lines.add("");
            }
            lines.add("**Who may call:** " + whoMayCall(op.get("security")) + ".");
            lines.add("");
            List<JsonNode> parameters = new ArrayList<>();
            op.path("parameters").forEach(p -> parameters.add(resolve(p, "parameters")));
            if (!parameters.isEmpty()) {
                lines.add("| parameter | in | required | type | notes |");
                lines.add("|---|---|---|---|---|");
                for (JsonNode p : parameters) {
                    JsonNode schema = p.path("schema");
                    String notes = joinPresent(". ", text(p, "description"), constraints(schema));
                    lines.add("| `" + p.get("name").asText() + "` | " + p.get("in").asText() + " | "
                            + (p.path("required").asBoolean(false) ? "yes" : "no") + " | " + cell(typeOf(schema))
                            + " | " + cell(notes) + " |");
                }
                lines.add("");
            }
            JsonNode body = op.get("requestBody");
            if (body != null) {
                lines.add("**Body** (" + (body.path("required").asBoolean(false) ? "required" : "optional") + "): "
                        + contentLine(body.get("content")) + ".");
                if (body.has("description")) {
                    lines.add(body.get("description").asText());
                }
                lines.add("");
                for (Map.Entry<String, JsonNode> entry : body.get("content").properties()) {
                    JsonNode schema = entry.getValue().path("schema");
                    if (schema.has("properties")) {
                        fieldTable(schema, lines);
                        lines.add("");
                    }
                }
            }
            lines.add("| status | meaning | body | headers |");
            lines.add("|---|---|---|---|");
            Set<String> statuses = new TreeSet<>();
            op.get("responses").properties().forEach(e -> statuses.add(e.getKey()));
            for (String status : statuses) {
                JsonNode response = resolve(op.get("responses").get(status), "responses");
                List<String> headers = new ArrayList<>();
                response.path("headers").properties().forEach(e -> {
                    if (!e.getKey().equals("X-Request-Id")) {
                        headers.add(e.getKey());
                    }
                });
                lines.add("| " + status + " | " + cell(text(response, "description")) + " | "
                        + cell(contentLine(response.path("content"))) + " | " + cell(String.join(", ", headers)) + " |");
            }
            lines.add("");
        }

        private static void schemaSection(String name, JsonNode schema, List<String> lines) {
            lines.add("### " + name + " <a id=\"schema-" + name.toLowerCase() + "\"></a>");
            lines.add("");
            if (schema.has("description")) {
                lines.add(schema.get("description").asText());
                lines.add("");
            }
            List<JsonNode> parts = new ArrayList<>();
            if (schema.has("allOf")) {
                schema.get("allOf").forEach(parts::add);
            } else {
                parts.add(schema);
            }
            for (JsonNode part : parts) {
                if (part.has("$ref")) {
                    lines.add("Everything in " + schemaLink(refName(part.get("$ref").asText())) + ", with:");
                    lines.add("");
                }
            }
            for (JsonNode part : parts) {
                if (part.has("properties")) {
                    fieldTable(part, lines);
                    lines.add("");
                }
            }
            if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
                lines.add("No other fields.");
                lines.add("");
            }
            if (!schema.has("properties") && !schema.has("allOf")) {
                lines.add("A value of type " + typeOf(schema) + ".");
                lines.add("");
            }
        }

        private static boolean tagged(JsonNode op, String tag) {
            for (JsonNode t : op.path("tags")) {
                if (t.asText().equals(tag)) {
                    return true;
                }
            }
            return false;
        }

        String render() {
            List<String> lines = new ArrayList<>(List.of(
                    "# HTTP reference",
                    "",
                    "<!-- Generated from src/main/resources/openapi.json by docs/generate-http-reference.py."
                            + " Do not edit: change openapi.json, then run `python3 docs/generate-http-reference.py`. -->",
                    "",
                    "Every route Gatehouse answers, grouped as in the OpenAPI document (served at `/openapi.json`)."
                            + " The conventions behind these tables (error shape, pagination, CSRF, limits) and the flows"
                            + " that string the routes together are in [http.md](http.md); who may call what, in more"
                            + " detail, is in [security.md](security.md). Errors always have the body"
                            + " [Error](#schema-error). \"Who may call\" lists the accepted credentials; the route's own"
                            + " rules (roles, scopes, tenant) are in the notes and in security.md.",
                    "",
                    text(spec.get("info"), "description"),
                    "",
                    "## Routes",
                    ""));
            List<String> tags = new ArrayList<>();
            spec.path("tags").forEach(t -> tags.add(t.get("name").asText()));
            for (Map.Entry<String, JsonNode> path : spec.get("paths").properties()) {
                for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                    if (!op.getKey().equals("parameters") && tags.stream().noneMatch(t -> tagged(op.getValue(), t))) {
                        throw new AssertionError(op.getKey().toUpperCase() + " " + path.getKey()
                                + " has no tag listed under the document's tags");
                    }
                }
            }
            for (String tag : tags) {
                lines.add("- **" + tag + "**");
                for (Map.Entry<String, JsonNode> path : spec.get("paths").properties()) {
                    for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                        if (!op.getKey().equals("parameters") && tagged(op.getValue(), tag)) {
                            lines.add("  - [" + op.getKey().toUpperCase() + " " + path.getKey() + "](#op-"
                                    + op.getValue().get("operationId").asText().toLowerCase() + ") — "
                                    + text(op.getValue(), "summary"));
                        }
                    }
                }
            }
            lines.add("");
            for (JsonNode tag : spec.path("tags")) {
                lines.add("## " + tag.get("name").asText() + ": " + text(tag, "description"));
                lines.add("");
                for (Map.Entry<String, JsonNode> path : spec.get("paths").properties()) {
                    for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                        if (!op.getKey().equals("parameters") && tagged(op.getValue(), tag.get("name").asText())) {
                            operation(op.getKey(), path.getKey(), op.getValue(), lines);
                        }
                    }
                }
            }
            lines.add("## Schemas");
            lines.add("");
            for (Map.Entry<String, JsonNode> schema : spec.get("components").get("schemas").properties()) {
                schemaSection(schema.getKey(), schema.getValue(), lines);
            }
            return String.join("\n", lines).replaceAll("\n+$", "") + "\n";
        }
    }
}
