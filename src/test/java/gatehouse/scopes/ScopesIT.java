package gatehouse.scopes;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scope catalog (docs/http.md, "The management API" "Scopes"): the built-in scopes, admin-only changes, RFC 6749 §3.3
 * scope-token names, and the rules that keep scopes apps rely on.
 */
class ScopesIT {
    private static final String SCOPES = "/api/v1/oauth/scopes";

    private final Http admin = Fixtures.admin();

    @Test
    void builtInScopesExistWithTheirRestriction() {
        Map<String, JsonNode> catalog = catalog(admin);

        assertThat(catalog).containsKeys("admin:*", "webhooks:manage", "connections:read", "events:publish");
        assertThat(catalog.get("admin:*").get("restricted").asBoolean()).isTrue();
        assertThat(catalog.get("connections:read").get("restricted").asBoolean()).isTrue();
        assertThat(catalog.get("events:publish").get("restricted").asBoolean()).isTrue();
        assertThat(catalog.get("webhooks:manage").get("restricted").asBoolean()).isFalse();
    }

    @Test
    void anySignedInUserMayReadTheCatalog() {
        Http user = Fixtures.newUser().login();
        assertThat(catalog(user)).containsKeys("admin:*", "webhooks:manage");
        Http.Response anonymous = Http.anonymous().get(SCOPES);
        assertThat(anonymous.status()).as(anonymous.body()).isEqualTo(401);
    }

    @Test
    void bearerTokenWithoutAdminScopeThenInsufficientScope() {
        // README: bearer tokens on the management API need admin:* (only token-info, user-info and the
        // OAuth endpoints take any valid token).
        Fixtures.User user = Fixtures.newUser();
        String plain = Fixtures.scope("plain", false);
        String appOrg = Fixtures.org(Fixtures.newUser().login());
        Fixtures.App app = Fixtures.app(admin, appOrg, Map.of("grant_types", List.of("password"),
                "redirect_uris", List.of(), "scope", plain));
        Http.Response token = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "password",
                "username", user.username(), "password", user.password()), "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);

        assertError(Http.anonymous().get(SCOPES, "Authorization", "Bearer " + token.text("access_token")),
                403, "insufficient_scope");
    }

    @Test
    void createWhenAdminThenCreatedAndListed() {
        String name = Fixtures.unique("docs") + ":write";
        Http.Response response = admin.postJson(SCOPES, Map.of("name", name, "description", "Write documents", "restricted", true));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode scope = response.json();
        UUID.fromString(scope.get("id").asText());
        assertThat(scope.get("name").asText()).isEqualTo(name);
        assertThat(scope.get("description").asText()).isEqualTo("Write documents");
        assertThat(scope.get("restricted").asBoolean()).isTrue();
        assertThat(catalog(admin).get(name).get("id").asText()).isEqualTo(scope.get("id").asText());
    }

    @Test
    void createWithoutRestrictedThenUnrestricted() {
        String name = Fixtures.unique("plain") + ":read";
        Http.Response response = admin.postJson(SCOPES, Map.of("name", name, "description", "Plain"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("restricted").asBoolean()).isFalse();
    }

    @Test
    void createWhenNotAdminThenForbidden() {
        String name = Fixtures.unique("sneaky") + ":read";
        Http user = Fixtures.newUser().login();

        assertError(user.postJson(SCOPES, Map.of("name", name, "description", "x", "restricted", false)), 403, "forbidden");
        assertThat(catalog(admin)).doesNotContainKey(name);
    }

    static Stream<Arguments> invalidNames() {
        return Stream.of(
                Arguments.of("space", "tasks read"),
                Arguments.of("double quote", "tasks\"read"),
                Arguments.of("backslash", "tasks\\read"),
                Arguments.of("empty", ""),
                Arguments.of("129 characters", "s".repeat(129)),
                Arguments.of("tab", "tasks\tread"),
                Arguments.of("non-ASCII", "tâches:lire"),
                Arguments.of("control character", "tasks\u0001read"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidNames")
    void createWithNameOutsideScopeTokenSyntaxThenValidationFailed(String label, String name) {
        assertError(admin.postJson(SCOPES, Map.of("name", name, "description", label)), 400, "validation_failed");
    }

    @Test
    void createWithoutNameThenValidationFailed() {
        assertError(admin.postJson(SCOPES, Map.of("description", "nameless")), 400, "validation_failed");
    }

    @Test
    void createWithNameOf128PrintableCharactersThenCreated() {
        String prefix = Fixtures.unique("long");
        String name = prefix + "!#$%&'()*+,-./:;<=>?@[]^_`{|}~".substring(0, 10) + "x".repeat(128 - prefix.length() - 10);
        assertThat(name).hasSize(128);
        Http.Response response = admin.postJson(SCOPES, Map.of("name", name, "description", "Long"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.text("name")).isEqualTo(name);
    }

    @Test
    void createWhenNameTakenThenConflict() {
        String name = Fixtures.scope("dup", false);
        assertError(admin.postJson(SCOPES, Map.of("name", name, "description", "again")), 409, "conflict");
        assertError(admin.postJson(SCOPES, Map.of("name", "admin:*", "description", "again")), 409, "conflict");
    }

    @Test
    void updateChangesDescriptionAndRestriction() {
        String name = Fixtures.scope("upd", false);
        String id = catalog(admin).get(name).get("id").asText();

        Http.Response updated = admin.putJson(SCOPES + "/" + id, Map.of("description", "Now restricted", "restricted", true));

        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.text("name")).isEqualTo(name);
        assertThat(updated.text("description")).isEqualTo("Now restricted");
        assertThat(updated.json().get("restricted").asBoolean()).isTrue();
        JsonNode listed = catalog(admin).get(name);
        assertThat(listed.get("description").asText()).isEqualTo("Now restricted");
        assertThat(listed.get("restricted").asBoolean()).isTrue();

        Http.Response back = admin.putJson(SCOPES + "/" + id, Map.of("restricted", false));
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(back.json().get("restricted").asBoolean()).isFalse();
        assertThat(back.text("description")).as("unsent members stay").isEqualTo("Now restricted");
    }

    @Test
    void scopeBecomingRestrictedIsWithdrawnAtOnceFromAppsNoAdminApprovedItFor() {
        String name = Fixtures.scope("flip", true);
        String id = catalog(admin).get(name).get("id").asText();
        Http member = Fixtures.newUser().login();
        String memberOrg = Fixtures.org(member);
        Map<String, Object> serviceApp = Map.of("grant_types", List.of("client_credentials"), "actor_modes", List.of("app"),
                "redirect_uris", List.of(), "scope", name);
        Fixtures.App approvedApp = Fixtures.app(admin, memberOrg, serviceApp);
        assertThat(admin.putJson(SCOPES + "/" + id, Map.of("restricted", false)).status()).isEqualTo(200);
        Fixtures.App memberApp = Fixtures.app(member, memberOrg, serviceApp);
        String memberToken = clientCredentials(memberApp, null).text("access_token");
        String approvedToken = clientCredentials(approvedApp, null).text("access_token");

        Http.Response restricted = admin.putJson(SCOPES + "/" + id, Map.of("restricted", true));

        assertThat(restricted.status()).as(restricted.body()).isEqualTo(200);
        assertThat(memberApp.isActive(memberToken)).as("no admin approved it for this app").isFalse();
        assertThat(approvedApp.isActive(approvedToken)).as("an admin approved it for this one").isTrue();
        assertThat(clientCredentials(memberApp, null).text("scope")).isEmpty();
        assertError(clientCredentials(memberApp, name), 400, "invalid_scope");
        assertThat(clientCredentials(approvedApp, null).text("scope")).isEqualTo(name);
        assertThat(admin.get("/api/v1/oauth/clients/" + memberApp.clientId()).text("pending_scopes")).isEqualTo(name);

        assertThat(admin.putJson(SCOPES + "/" + id, Map.of("restricted", false)).status()).isEqualTo(200);
        assertThat(clientCredentials(memberApp, null).text("scope")).as("every app's cached view was dropped")
                .isEqualTo(name);
    }

    @Test
    void updateWithANewNameThenValidationFailed() {
        String name = Fixtures.scope("ren", false);
        String id = catalog(admin).get(name).get("id").asText();

        assertError(admin.putJson(SCOPES + "/" + id, Map.of("name", name + "2", "description", "renamed")),
                400, "validation_failed");
        assertThat(catalog(admin)).containsKey(name).doesNotContainKey(name + "2");

        Http.Response sameName = admin.putJson(SCOPES + "/" + id, Map.of("name", name, "description", "same name"));
        assertThat(sameName.status()).as("sending the unchanged name is fine: %s", sameName.body()).isEqualTo(200);
    }

    @Test
    void updateWhenNotAdminThenForbidden() {
        String name = Fixtures.scope("nupd", false);
        String id = catalog(admin).get(name).get("id").asText();

        assertError(Fixtures.newUser().login().putJson(SCOPES + "/" + id, Map.of("restricted", true)), 403, "forbidden");
        assertThat(catalog(admin).get(name).get("restricted").asBoolean()).isFalse();
    }

    @Test
    void updateUnknownScopeThenNotFound() {
        assertError(admin.putJson(SCOPES + "/" + UUID.randomUUID(), Map.of("description", "x")), 404, "not_found");
    }

    @Test
    void deleteUnusedScopeThenNoContentAndGone() {
        String name = Fixtures.scope("del", false);
        String id = catalog(admin).get(name).get("id").asText();

        Http.Response deleted = admin.delete(SCOPES + "/" + id);

        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(catalog(admin)).doesNotContainKey(name);
        assertError(admin.delete(SCOPES + "/" + id), 404, "not_found");
    }

    @Test
    void deleteWhenAnAppUsesTheScopeThenConflict() {
        String name = Fixtures.scope("used", false);
        String id = catalog(admin).get(name).get("id").asText();
        String orgId = Fixtures.org(Fixtures.newUser().login());
        Fixtures.App app = Fixtures.app(admin, orgId, Map.of("scope", name));

        assertError(admin.delete(SCOPES + "/" + id), 409, "conflict");
        assertThat(catalog(admin)).containsKey(name);

        Http.Response dropped = admin.putJson("/api/v1/oauth/clients/" + app.clientId(), Map.of("scope", ""));
        assertThat(dropped.status()).as(dropped.body()).isEqualTo(200);
        Http.Response deleted = admin.delete(SCOPES + "/" + id);
        assertThat(deleted.status()).as("no app uses it any more: %s", deleted.body()).isEqualTo(204);
    }

    @Test
    void deleteWhenAppHasItOnlyAwaitingApprovalThenConflict() {
        String name = Fixtures.scope("pending", true);
        String id = catalog(admin).get(name).get("id").asText();
        Http member = Fixtures.newUser().login();
        Fixtures.App app = Fixtures.app(member, Fixtures.org(member), Map.of("scope", name));
        assertThat(app.json().get("approved_scopes").asText()).doesNotContain(name);

        assertError(admin.delete(SCOPES + "/" + id), 409, "conflict");
    }

    @Test
    void deleteBuiltInScopeThenConflict() {
        Map<String, JsonNode> catalog = catalog(admin);
        for (String builtIn : List.of("admin:*", "webhooks:manage", "connections:read", "events:publish")) {
            assertError(admin.delete(SCOPES + "/" + catalog.get(builtIn).get("id").asText()), 409, "conflict");
        }
        assertThat(catalog(admin)).containsKeys("admin:*", "webhooks:manage", "connections:read", "events:publish");
    }

    @Test
    void deleteWhenNotAdminThenForbidden() {
        String name = Fixtures.scope("ndel", false);
        String id = catalog(admin).get(name).get("id").asText();

        assertError(Fixtures.newUser().login().delete(SCOPES + "/" + id), 403, "forbidden");
        assertThat(catalog(admin)).containsKey(name);
    }

    @Test
    void listIsPaginatedWithCursorAndLimit() {
        List<String> mine = List.of(Fixtures.scope("pg1", false), Fixtures.scope("pg2", false), Fixtures.scope("pg3", false));

        Http.Response first = admin.get(SCOPES + "?limit=2");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("data")).hasSize(2);
        String cursor = first.text("next_cursor");
        assertThat(cursor).as("more than two scopes exist").isNotNull();

        Http.Response second = admin.get(SCOPES + "?limit=2&cursor=" + cursor);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        List<String> firstIds = ids(first.json().get("data"), "id");
        assertThat(ids(second.json().get("data"), "id")).isNotEmpty().doesNotContainAnyElementsOf(firstIds);

        List<String> walked = new ArrayList<>();
        String next = null;
        do {
            Http.Response page = admin.get(SCOPES + "?limit=3" + (next == null ? "" : "&cursor=" + next));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertThat(page.json().get("data").size()).isBetween(1, 3);
            walked.addAll(ids(page.json().get("data"), "name"));
            next = page.text("next_cursor");
        } while (next != null);
        assertThat(walked).doesNotHaveDuplicates().containsAll(mine)
                .contains("admin:*", "webhooks:manage", "connections:read", "events:publish");

        for (String bad : List.of("0", "201", "-5", "x")) {
            assertError(admin.get(SCOPES + "?limit=" + bad), 400, "validation_failed");
        }
        assertError(admin.get(SCOPES + "?cursor=not-a-cursor"), 400, "validation_failed");
    }

    @Test
    void listIsInCreationOrder() {
        // README, "Choices where the contract is silent": IDs are UUIDv7, so list pages are ordered by
        // creation and a cursor is the last ID seen.
        Fixtures.scope("order", false);
        List<Instant> created = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String cursor = null;
        do {
            Http.Response page = admin.get(SCOPES + "?limit=200" + (cursor == null ? "" : "&cursor=" + cursor));
            for (JsonNode scope : page.json().get("data")) {
                created.add(Instant.parse(scope.get("created_at").asText()).truncatedTo(ChronoUnit.MILLIS));
                names.add(scope.get("name").asText());
            }
            cursor = page.text("next_cursor");
        } while (cursor != null);

        assertThat(created).as("created_at along the list of %s", names).isSorted();
        assertThat(names.subList(0, 4)).as("the built-in scopes, created first, come first")
                .containsExactlyInAnyOrder("admin:*", "webhooks:manage", "connections:read", "events:publish");
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static Http.Response clientCredentials(Fixtures.App app, String scope) {
        String form = scope == null ? Http.form("grant_type", "client_credentials")
                : Http.form("grant_type", "client_credentials", "scope", scope);
        Http.Response response = Http.anonymous().postForm("/oauth/token", form, "Authorization", app.basic());
        if (scope == null) {
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
        return response;
    }

    /** The whole catalog by name, walking every page. */
    private static Map<String, JsonNode> catalog(Http session) {
        Map<String, JsonNode> byName = new HashMap<>();
        String cursor = null;
        for (int guard = 0; guard < 1000; guard++) {
            Http.Response page = session.get(SCOPES + "?limit=200" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            for (JsonNode scope : page.json().get("data")) {
                assertThat(byName.put(scope.get("name").asText(), scope)).as("listed once").isNull();
            }
            cursor = page.text("next_cursor");
            if (cursor == null) {
                return byName;
            }
        }
        throw new AssertionError("the scope list never ends");
    }

    private static List<String> ids(JsonNode data, String field) {
        List<String> ids = new ArrayList<>();
        data.forEach(item -> ids.add(item.get(field).asText()));
        return ids;
    }
}
