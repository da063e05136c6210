package gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /openapi.json describes exactly the routes the server registers, and holds together. */
class OpenApiIT {
    private static final Set<String> METHODS =
            Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Set<String> TAGS = Set.of("oauth", "auth", "users", "orgs", "clients", "scopes", "webhooks", "vault", "ops");
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    private static Http.Response served;
    private static JsonNode document;

    @BeforeAll
    static void fetch() {
        served = Http.anonymous().get("/openapi.json");
        document = served.json();
    }

    @Test
    void documentWhenFetchedThenOpenApi31ListingExactlyTheRegisteredRoutes() {
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.header("Content-Type")).startsWith("application/json");
        assertThat(document.path("openapi").asText()).startsWith("3.1");
        assertThat(document.path("info").path("title").asText()).isEqualTo("Gatehouse");
        assertThat(document.path("info").path("version").asText()).isEqualTo("0.1.0");

        Set<String> registered = TestServer.get().app().routes().stream()
                // Javalin's <path> (segments with slashes) is OpenAPI's {path}.
                .map(route -> route.method().name() + " " + route.path().replaceAll("<([a-z_]+)>", "{$1}"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> documented = new TreeSet<>();
        operations().forEach(op -> documented.add(op.method().toUpperCase() + " " + op.path()));

        assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
    }

    @Test
    void everyOperationWhenReadThenHasASuccessResponseAndEveryRefResolves() {
        List<Operation> operations = operations();
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        assertThat(operations).isNotEmpty();
        assertThat(refs).isNotEmpty();
        assertSoftly(softly -> {
            for (Operation op : operations) {
                List<String> codes = new ArrayList<>();
                op.node().path("responses").fieldNames().forEachRemaining(codes::add);
                softly.assertThat(codes).as("success responses of %s", op)
                        .anyMatch(code -> code.startsWith("2") || code.startsWith("3"));
            }
            for (String ref : refs) {
                softly.assertThat(ref).as("a local reference into components").startsWith("#/components/");
                if (ref.startsWith("#/")) {
                    JsonNode target = document.at(JsonPointer.compile(ref.substring(1)));
                    softly.assertThat(target.isMissingNode()).as("%s resolves", ref).isFalse();
                }
            }
        });
    }

    @Test
    void everyOperationWhenReadThenHasSummaryKnownTagSecurityAndItsPathParameters() {
        Set<String> schemes = new TreeSet<>();
        document.path("components").path("securitySchemes").fieldNames().forEachRemaining(schemes::add);
        assertThat(schemes).contains("clientBasic", "bearer", "session", "csrf");

        assertSoftly(softly -> {
            for (Operation op : operations()) {
                softly.assertThat(op.node().path("summary").asText()).as("summary of %s", op).isNotBlank();
                softly.assertThat(op.node().path("tags")).as("tags of %s", op).isNotEmpty();
                op.node().path("tags").forEach(tag ->
                        softly.assertThat(TAGS).as("tag of %s", op).contains(tag.asText()));
                softly.assertThat(op.node().has("security")).as("security of %s", op).isTrue();
                op.node().path("security").forEach(requirement -> requirement.fieldNames()
                        .forEachRemaining(name -> softly.assertThat(schemes).as("scheme of %s", op).contains(name)));

                Set<String> declared = new TreeSet<>();
                op.node().path("parameters").forEach(parameter -> {
                    JsonNode resolved = resolve(parameter);
                    if ("path".equals(resolved.path("in").asText())) {
                        softly.assertThat(resolved.path("required").asBoolean())
                                .as("path parameter of %s is required", op).isTrue();
                        declared.add(resolved.path("name").asText());
                    }
                });
                Set<String> inTemplate = new TreeSet<>();
                Matcher matcher = PATH_PARAM.matcher(op.path());
                while (matcher.find()) {
                    inTemplate.add(matcher.group(1));
                }
                softly.assertThat(declared).as("path parameters of %s", op).isEqualTo(inTemplate);
            }
        });
    }

    private record Operation(String method, String path, JsonNode node) {
        @Override
        public String toString() {
            return method.toUpperCase() + " " + path;
        }
    }

    private static List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields();
        while (paths.hasNext()) {
            var path = paths.next();
            path.getValue().fields().forEachRemaining(entry -> {
                if (METHODS.contains(entry.getKey())) {
                    operations.add(new Operation(entry.getKey(), path.getKey(), entry.getValue()));
                }
            });
        }
        return operations;
    }

    private static JsonNode resolve(JsonNode node) {
        JsonNode ref = node.get("$ref");
        return ref == null ? node : document.at(JsonPointer.compile(ref.asText().substring(1)));
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(entry -> {
                if (entry.getKey().equals("$ref") && entry.getValue().isTextual()) {
                    refs.add(entry.getValue().asText());
                } else {
                    collectRefs(entry.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, refs));
        }
    }
}
