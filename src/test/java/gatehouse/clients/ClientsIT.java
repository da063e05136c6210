package gatehouse.clients;

import static gatehouse.testing.OAuthAssertions.assertError;
import static gatehouse.testing.OAuthAssertions.introspect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Registering and managing OAuth apps (docs/http.md, "The management API" "OAuth apps", README "Choices where the contract is
 * silent"): the registration rules, restricted scopes awaiting approval, the secret shown once, who
 * sees and edits an app, partial updates, and what deleting an app does to its tokens.
 */
class ClientsIT {
    private static final String CLIENTS = "/api/v1/oauth/clients";
    private static final String CLIENT_ID = "^foapp_[0-9A-Za-z]{24}$";

    private final Http api = Http.anonymous();
    private Fixtures.User owner;
    private Http ownerSession;
    private String orgId;
    private String read;
    private String restricted;

    @BeforeEach
    void setUp() {
        owner = Fixtures.newUser();
        ownerSession = owner.login();
        orgId = Fixtures.org(ownerSession);
        read = Fixtures.scope("files", false);
        restricted = Fixtures.scope("billing", true);
    }

    // ---- creating -------------------------------------------------------------------------------------

    @Test
    void createConfidentialAppThenCreatedWithClientIdAndSecretShownOnce() {
        Http.Response response = create(ownerSession, Map.of("scope", read, "description", "Syncs files",
                "homepage_url", "https://app.example.test"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.header("Cache-Control")).as("carries a secret").isEqualTo("no-store");
        JsonNode app = response.json();
        String clientId = app.get("client_id").asText();
        assertThat(clientId).matches(CLIENT_ID);
        assertThat(app.get("client_secret").asText()).startsWith("fosec_");
        assertThat(app.get("owner_org_id").asText()).isEqualTo(orgId);
        assertThat(app.get("confidential").asBoolean()).isTrue();
        assertThat(texts(app.get("redirect_uris"))).containsExactly(Fixtures.REDIRECT_URI);
        assertThat(texts(app.get("grant_types"))).containsExactlyInAnyOrder("authorization_code", "refresh_token");
        assertThat(app.get("scope").asText()).isEqualTo(read);
        assertThat(app.get("description").asText()).isEqualTo("Syncs files");

        Http.Response fetched = ownerSession.get(CLIENTS + "/" + clientId);
        assertThat(fetched.status()).as(fetched.body()).isEqualTo(200);
        assertThat(fetched.json().has("client_secret")).as("the secret is shown only once: %s", fetched.body()).isFalse();
        assertThat(fetched.body()).doesNotContain(app.get("client_secret").asText());
        JsonNode listed = findInList(ownerSession, clientId);
        assertThat(listed).isNotNull();
        assertThat(listed.has("client_secret")).isFalse();

        Http.Response introspected = api.postForm("/oauth/introspect", Http.form("token", "foot_unknown"),
                "Authorization", Http.basic(clientId, app.get("client_secret").asText()));
        assertThat(introspected.status()).as("the secret authenticates the app: %s", introspected.body()).isEqualTo(200);
    }

    @Test
    void createEveryClientIdIsDistinctAndWellFormed() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            String clientId = create(ownerSession, Map.of()).text("client_id");
            assertThat(clientId).matches(CLIENT_ID);
            ids.add(clientId);
        }
        assertThat(ids).hasSize(5);
    }

    @Test
    void createPublicAppThenNoSecret() {
        Http.Response response = create(ownerSession, Map.of("confidential", false));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("confidential").asBoolean()).isFalse();
        assertThat(response.json().hasNonNull("client_secret")).as(response.body()).isFalse();
        assertThat(response.text("client_id")).matches(CLIENT_ID);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"http://app.example.test/callback", "https://app.example.test/callback#frag",
            "https://app.example.test/callback#", "/callback", "app.example.test/callback", "ftp://app.example.test/cb",
            "myapp://callback", "http://localhost.evil.example/cb", "http://127.0.0.1.evil.example/cb",
            "http://evil.example/localhost", "https://", ""})
    void createWithRefusedRedirectUriThen400(String uri) {
        Http.Response response = create(ownerSession, Map.of("redirect_uris", List.of(uri)));
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.text("error")).isIn("validation_failed", "invalid_redirect_uri");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://localhost/callback", "http://localhost:8080/callback", "http://127.0.0.1/cb",
            "http://127.0.0.1:51000/cb", "http://[::1]/cb", "http://[::1]:9000/cb",
            "https://app.example.test/callback?tenant=7", "https://app.example.test:8443/cb"})
    void createWithAllowedRedirectUriThenCreated(String uri) {
        Http.Response response = create(ownerSession, Map.of("redirect_uris", List.of(uri)));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(texts(response.json().get("redirect_uris"))).containsExactly(uri);
    }

    @Test
    void createWithAuthorizationCodeButNoRedirectUriThen400() {
        assertError(create(ownerSession, Map.of("redirect_uris", List.of())), 400, "validation_failed");
        Map<String, Object> body = Fixtures.appBody(orgId, Map.of());
        body.remove("redirect_uris");
        assertError(ownerSession.postJson(CLIENTS, body), 400, "validation_failed");
    }

    @Test
    void createWithoutAuthorizationCodeNeedsNoRedirectUri() {
        Http.Response response = create(ownerSession, Map.of("redirect_uris", List.of(),
                "grant_types", List.of("client_credentials"), "actor_modes", List.of("app")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client_credentials", "password"})
    void createPublicAppWithClientCredentialsOrPasswordThen400(String grantType) {
        Http.Response response = create(ownerSession, Map.of("confidential", false,
                "grant_types", List.of("authorization_code", grantType)));
        assertError(response, 400, "validation_failed");
    }

    @Test
    void createWithUnknownScopeThen400() {
        Http.Response response = create(ownerSession, Map.of("scope", read + " " + Fixtures.unique("nope") + ":read"));
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.text("error")).isIn("validation_failed", "invalid_scope");
    }

    @Test
    void createWithRestrictedScopeByMemberThenRequestedButNotApproved() {
        Http.Response response = create(ownerSession, Map.of("scope", read + " " + restricted,
                "grant_types", List.of("client_credentials"), "actor_modes", List.of("app")));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(scopes(response.json().get("scope"))).containsExactlyInAnyOrder(read, restricted);
        assertThat(scopes(response.json().get("approved_scopes"))).as("only an admin approves").isEmpty();
        assertThat(scopes(response.json().get("allowed_scopes"))).containsExactly(read);
        assertThat(scopes(response.json().get("pending_scopes"))).containsExactly(restricted);

        Fixtures.App app = new Fixtures.App(response.text("client_id"), response.text("client_secret"), response.json());
        Http.Response token = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        assertThat(scopes(token.json().get("scope"))).as("an unapproved scope is never granted").containsExactly(read);
        Http.Response asked = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials", "scope", restricted),
                "Authorization", app.basic());
        assertError(asked, 400, "invalid_scope");
    }

    @Test
    void createWithRestrictedScopeByAdminThenApproved() {
        Http.Response response = create(Fixtures.admin(), Map.of("scope", read + " " + restricted));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(scopes(response.json().get("approved_scopes"))).as("the restricted scopes an admin approved")
                .containsExactly(restricted);
        assertThat(scopes(response.json().get("allowed_scopes"))).containsExactlyInAnyOrder(read, restricted);
        assertThat(scopes(response.json().get("pending_scopes"))).isEmpty();
    }

    @Test
    void createWhenMemberOfSeveralOrganizationsWithoutOwnerOrgThenValidationFailed() {
        Fixtures.org(ownerSession);
        Map<String, Object> body = Fixtures.appBody(orgId, Map.of());
        body.remove("owner_org_id");
        assertError(ownerSession.postJson(CLIENTS, body), 400, "validation_failed");
    }

    @Test
    void createWithoutOwnerOrgWhenInExactlyOneOrganizationThenThatOne() {
        Map<String, Object> body = Fixtures.appBody(orgId, Map.of());
        body.remove("owner_org_id");
        Http.Response response = ownerSession.postJson(CLIENTS, body);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.text("owner_org_id")).isEqualTo(orgId);
    }

    @Test
    void createInAnOrganizationIAmNotInThenRefused() {
        Http stranger = Fixtures.newUser().login();
        Fixtures.org(stranger);
        Http.Response response = create(stranger, Map.of());
        assertThat(response.status()).as(response.body()).isIn(400, 403, 404);
    }

    @Test
    void createWithoutCredentialsThenUnauthenticated() {
        assertError(api.postJson(CLIENTS, Fixtures.appBody(orgId, Map.of())), 401, "unauthenticated");
    }

    // ---- who sees and edits an app ---------------------------------------------------------------------

    @Test
    void membersOfTheOwnerOrganizationSeeAndEditTheApp() {
        String clientId = create(ownerSession, Map.of()).text("client_id");
        Fixtures.User colleague = Fixtures.newUser();
        Http.Response added = ownerSession.postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", colleague.username(), "role", "member"));
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        Http colleagueSession = colleague.login();

        assertThat(colleagueSession.get(CLIENTS + "/" + clientId).status()).isEqualTo(200);
        assertThat(findInList(colleagueSession, clientId)).isNotNull();
        Http.Response edited = colleagueSession.putJson(CLIENTS + "/" + clientId, Map.of("name", "Edited by colleague"));
        assertThat(edited.status()).as(edited.body()).isEqualTo(200);
        assertThat(ownerSession.get(CLIENTS + "/" + clientId).text("name")).isEqualTo("Edited by colleague");
    }

    @Test
    void nonMemberGetsNotFoundEverywhere() {
        String clientId = create(ownerSession, Map.of()).text("client_id");
        Http stranger = Fixtures.newUser().login();
        Fixtures.org(stranger);

        assertError(stranger.get(CLIENTS + "/" + clientId), 404, "not_found");
        assertError(stranger.putJson(CLIENTS + "/" + clientId, Map.of("name", "Hijacked")), 404, "not_found");
        assertError(stranger.postJson(CLIENTS + "/" + clientId + "/secret", Map.of()), 404, "not_found");
        assertError(stranger.delete(CLIENTS + "/" + clientId), 404, "not_found");
        assertThat(findInList(stranger, clientId)).isNull();
        assertThat(ownerSession.get(CLIENTS + "/" + clientId).text("name")).isNotEqualTo("Hijacked");
    }

    @Test
    void unknownClientIdThenNotFound() {
        assertError(ownerSession.get(CLIENTS + "/foapp_" + "0".repeat(24)), 404, "not_found");
        assertError(Fixtures.admin().get(CLIENTS + "/foapp_" + "0".repeat(24)), 404, "not_found");
    }

    @Test
    void adminSeesAndEditsEveryApp() {
        String clientId = create(ownerSession, Map.of()).text("client_id");

        assertThat(Fixtures.admin().get(CLIENTS + "/" + clientId).status()).isEqualTo(200);
        assertThat(findInList(Fixtures.admin(), clientId)).isNotNull();
        Http.Response edited = Fixtures.admin().putJson(CLIENTS + "/" + clientId, Map.of("description", "Reviewed"));
        assertThat(edited.status()).as(edited.body()).isEqualTo(200);
        assertThat(edited.text("description")).isEqualTo("Reviewed");
    }

    // ---- updating --------------------------------------------------------------------------------------

    @Test
    void updateChangesOnlyTheMembersSent() {
        JsonNode before = create(ownerSession, Map.of("scope", read, "description", "First",
                "homepage_url", "https://home.example.test", "access_token_ttl", 900,
                "actor_modes", List.of("self", "app"))).json();
        String clientId = before.get("client_id").asText();

        Http.Response renamed = ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("name", "Renamed App"));

        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(renamed.json().has("client_secret")).isFalse();
        JsonNode after = ownerSession.get(CLIENTS + "/" + clientId).json();
        assertThat(after.get("name").asText()).isEqualTo("Renamed App");
        for (String member : List.of("description", "homepage_url", "redirect_uris", "grant_types", "scope",
                "approved_scopes", "actor_modes", "access_token_ttl", "confidential", "owner_org_id",
                "refresh_token_rotation", "refresh_token_grace_seconds")) {
            assertThat(after.get(member)).as(member).isEqualTo(before.get(member));
        }

        Map<String, Object> cleared = new HashMap<>();
        cleared.put("description", null);
        cleared.put("homepage_url", null);
        Http.Response nulls = ownerSession.putJson(CLIENTS + "/" + clientId, cleared);
        assertThat(nulls.status()).as(nulls.body()).isEqualTo(200);
        JsonNode emptied = ownerSession.get(CLIENTS + "/" + clientId).json();
        assertThat(emptied.hasNonNull("homepage_url")).as("null clears: %s", emptied).isFalse();
        assertThat(emptied.path("description").asText("")).isEmpty();
        assertThat(emptied.get("name").asText()).isEqualTo("Renamed App");

        Http.Response more = ownerSession.putJson(CLIENTS + "/" + clientId, Map.of(
                "redirect_uris", List.of("https://other.example.test/cb", "http://localhost:3000/cb"),
                "access_token_ttl", 1200));
        assertThat(more.status()).as(more.body()).isEqualTo(200);
        assertThat(texts(more.json().get("redirect_uris")))
                .containsExactly("https://other.example.test/cb", "http://localhost:3000/cb");
        assertThat(more.json().get("access_token_ttl").asInt()).isEqualTo(1200);
        assertThat(more.json().get("scope").asText()).isEqualTo(read);
    }

    @Test
    void updateWithInvalidValueThen400AndNothingChanges() {
        String clientId = create(ownerSession, Map.of()).text("client_id");

        Http.Response refused = ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("name", "Should Not Stick",
                "redirect_uris", List.of("http://app.example.test/cb")));

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        JsonNode app = ownerSession.get(CLIENTS + "/" + clientId).json();
        assertThat(app.get("name").asText()).isNotEqualTo("Should Not Stick");
        assertThat(texts(app.get("redirect_uris"))).containsExactly(Fixtures.REDIRECT_URI);
    }

    @Test
    void updateOwnerOrgOrConfidentialThenValidationFailed() {
        String clientId = create(ownerSession, Map.of()).text("client_id");
        String otherOrg = Fixtures.org(ownerSession);

        assertError(ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("owner_org_id", otherOrg)), 400, "validation_failed");
        assertError(ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("confidential", false)), 400, "validation_failed");

        JsonNode app = ownerSession.get(CLIENTS + "/" + clientId).json();
        assertThat(app.get("owner_org_id").asText()).isEqualTo(orgId);
        assertThat(app.get("confidential").asBoolean()).isTrue();
        Http.Response same = ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("owner_org_id", orgId, "confidential", true));
        assertThat(same.status()).as("sending the unchanged values is fine: %s", same.body()).isEqualTo(200);
    }

    @Test
    void publicAppWithoutRefreshTokenRotationThenValidationFailedAtCreateAndUpdate() {
        assertError(create(ownerSession, Map.of("confidential", false, "refresh_token_rotation", false)),
                400, "validation_failed");
        String publicId = create(ownerSession, Map.of("confidential", false)).text("client_id");
        Http.Response update = ownerSession.putJson(CLIENTS + "/" + publicId, Map.of("refresh_token_rotation", false));
        assertError(update, 400, "validation_failed");
        assertThat(update.text("error_description")).contains("refresh_token_rotation");
        assertThat(ownerSession.get(CLIENTS + "/" + publicId).json().get("refresh_token_rotation").asBoolean()).isTrue();
        // A confidential app may still keep one refresh token.
        Http.Response confidential = create(ownerSession, Map.of("refresh_token_rotation", false));
        assertThat(confidential.status()).as(confidential.body()).isEqualTo(201);
    }

    @Test
    void updateThatBreaksARegistrationRuleThenValidationFailed() {
        String clientId = create(ownerSession, Map.of()).text("client_id");
        String publicId = create(ownerSession, Map.of("confidential", false)).text("client_id");

        assertError(ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("redirect_uris", List.of())), 400, "validation_failed");
        assertError(ownerSession.putJson(CLIENTS + "/" + publicId,
                Map.of("grant_types", List.of("authorization_code", "client_credentials"))), 400, "validation_failed");
        assertError(ownerSession.putJson(CLIENTS + "/" + publicId,
                Map.of("grant_types", List.of("authorization_code", "password"))), 400, "validation_failed");
        Http.Response unknownScope = ownerSession.putJson(CLIENTS + "/" + clientId,
                Map.of("scope", Fixtures.unique("nope") + ":read"));
        assertThat(unknownScope.status()).as(unknownScope.body()).isEqualTo(400);
        assertThat(texts(ownerSession.get(CLIENTS + "/" + clientId).json().get("redirect_uris")))
                .containsExactly(Fixtures.REDIRECT_URI);
    }

    @Test
    void updateAddingARestrictedScopeNeverApprovesItWhoeverEdits() {
        String clientId = create(ownerSession, Map.of("scope", read)).text("client_id");

        Http.Response byMember = ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("scope", read + " " + restricted));
        assertThat(byMember.status()).as(byMember.body()).isEqualTo(200);
        assertThat(scopes(byMember.json().get("scope"))).containsExactlyInAnyOrder(read, restricted);
        assertThat(scopes(byMember.json().get("approved_scopes"))).isEmpty();
        assertThat(scopes(byMember.json().get("pending_scopes"))).containsExactly(restricted);

        Http.Response byAdmin = Fixtures.admin().putJson(CLIENTS + "/" + clientId, Map.of("scope", read + " " + restricted,
                "description", "reviewed"));
        assertThat(byAdmin.status()).as(byAdmin.body()).isEqualTo(200);
        assertThat(scopes(byAdmin.json().get("approved_scopes"))).as("approval is an explicit act (POST .../approvals)")
                .isEmpty();
        assertThat(scopes(byAdmin.json().get("allowed_scopes"))).containsExactly(read);
        assertThat(scopes(byAdmin.json().get("pending_scopes"))).containsExactly(restricted);

        Map<String, Object> smuggled = Map.of("scope", read + " " + restricted, "approved_scopes", restricted,
                "approved_grant_types", List.of("password"));
        for (Http session : List.of(ownerSession, Fixtures.admin())) {
            Http.Response sneaky = session.putJson(CLIENTS + "/" + clientId, smuggled);
            assertThat(sneaky.status()).as(sneaky.body()).isEqualTo(200);
            assertThat(scopes(sneaky.json().get("approved_scopes"))).as("a body member never approves").isEmpty();
            assertThat(texts(sneaky.json().get("approved_grant_types"))).isEmpty();
        }
    }

    @Test
    void pendingRestrictedScopeIsListedForAdminsWhoRefuseItByRemovingIt() {
        String clientId = create(ownerSession, Map.of("scope", read + " " + restricted)).text("client_id");
        String approvedId = create(ownerSession, Map.of("scope", read)).text("client_id");

        assertThat(listedIds(Fixtures.admin(), "?pending_approval=true&limit=200")).contains(clientId).doesNotContain(approvedId);
        assertThat(listedIds(ownerSession, "?pending_approval=true")).containsExactly(clientId);
        assertError(ownerSession.get(CLIENTS + "?pending_approval=maybe"), 400, "validation_failed");

        Http.Response refused = Fixtures.admin().putJson(CLIENTS + "/" + clientId, Map.of("scope", read));
        assertThat(refused.status()).as(refused.body()).isEqualTo(200);
        assertThat(scopes(refused.json().get("scope"))).containsExactly(read);
        assertThat(scopes(refused.json().get("approved_scopes"))).isEmpty();
        assertThat(scopes(refused.json().get("pending_scopes"))).isEmpty();
        assertThat(listedIds(ownerSession, "?pending_approval=true")).isEmpty();
    }

    private static List<String> listedIds(Http session, String query) {
        Http.Response list = session.get(CLIENTS + query);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        list.json().get("data").forEach(app -> ids.add(app.get("client_id").asText()));
        return ids;
    }

    @Test
    void resourceServerSetByNonAdminThenForbidden() {
        assertError(create(ownerSession, Map.of("resource_server", true)), 403, "forbidden");

        String clientId = create(ownerSession, Map.of()).text("client_id");
        assertError(ownerSession.putJson(CLIENTS + "/" + clientId, Map.of("resource_server", true)), 403, "forbidden");
        assertThat(ownerSession.get(CLIENTS + "/" + clientId).json().get("resource_server").asBoolean()).isFalse();

        Http.Response byAdmin = Fixtures.admin().putJson(CLIENTS + "/" + clientId, Map.of("resource_server", true));
        assertThat(byAdmin.status()).as(byAdmin.body()).isEqualTo(200);
        assertThat(byAdmin.json().get("resource_server").asBoolean()).isTrue();
        Http.Response created = create(Fixtures.admin(), Map.of("resource_server", true));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("resource_server").asBoolean()).isTrue();
    }

    // ---- deleting --------------------------------------------------------------------------------------

    @Test
    void deleteThenGoneItsTokensInactiveAndItsClientAuthenticationFails() {
        Http.Response created = create(ownerSession, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", read));
        Fixtures.App app = new Fixtures.App(created.text("client_id"), created.text("client_secret"), created.json());
        Http.Response issued = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        String accessToken = issued.text("access_token");
        Fixtures.App resourceServer = Fixtures.app(Fixtures.admin(), orgId, Map.of("resource_server", true));
        assertThat(introspect(resourceServer, accessToken).get("active").asBoolean()).isTrue();

        Http.Response deleted = ownerSession.delete(CLIENTS + "/" + app.clientId());

        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertError(ownerSession.get(CLIENTS + "/" + app.clientId()), 404, "not_found");
        assertError(Fixtures.admin().get(CLIENTS + "/" + app.clientId()), 404, "not_found");
        assertThat(findInList(ownerSession, app.clientId())).isNull();
        assertError(ownerSession.delete(CLIENTS + "/" + app.clientId()), 404, "not_found");

        assertThat(introspect(resourceServer, accessToken)).as("its tokens are revoked")
                .isEqualTo(api.postForm("/oauth/introspect", Http.form("token", "foot_unknown"),
                        "Authorization", resourceServer.basic()).json());
        assertThat(introspect(resourceServer, accessToken).get("active").asBoolean()).isFalse();
        assertError(api.get("/oauth/token/info", "Authorization", "Bearer " + accessToken), 401, "invalid_token");

        assertError(api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()), 401, "invalid_client");
        assertError(api.postForm("/oauth/introspect", Http.form("token", accessToken),
                "Authorization", app.basic()), 401, "invalid_client");
    }

    // ---- rotating the secret ---------------------------------------------------------------------------

    @Test
    void rotateSecretByMemberThenNewSecretOnceWithNoStore() {
        JsonNode app = create(ownerSession, Map.of()).json();
        String clientId = app.get("client_id").asText();
        String oldSecret = app.get("client_secret").asText();

        Http.Response rotated = ownerSession.postJson(CLIENTS + "/" + clientId + "/secret", Map.of());

        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        assertThat(rotated.header("Cache-Control")).isEqualTo("no-store");
        String newSecret = rotated.text("client_secret");
        assertThat(newSecret).startsWith("fosec_").isNotEqualTo(oldSecret);
        assertThat(rotated.text("client_id")).isEqualTo(clientId);
        assertThat(ownerSession.get(CLIENTS + "/" + clientId).json().has("client_secret")).isFalse();
        assertThat(introspectStatus(clientId, newSecret)).isEqualTo(200);
        assertThat(introspectStatus(clientId, oldSecret)).isEqualTo(401);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private Http.Response create(Http session, Map<String, Object> overrides) {
        return session.postJson(CLIENTS, Fixtures.appBody(orgId, overrides));
    }

    /** The app in the caller's list (walking every page), or null. */
    private static JsonNode findInList(Http session, String clientId) {
        String cursor = null;
        for (int guard = 0; guard < 1000; guard++) {
            Http.Response page = session.get(CLIENTS + "?limit=200" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            for (JsonNode app : page.json().get("data")) {
                if (app.get("client_id").asText().equals(clientId)) {
                    return app;
                }
            }
            cursor = page.text("next_cursor");
            if (cursor == null) {
                return null;
            }
        }
        throw new AssertionError("the app list never ends");
    }

    private int introspectStatus(String clientId, String secret) {
        return api.postForm("/oauth/introspect", Http.form("token", "foot_unknown"),
                "Authorization", Http.basic(clientId, secret)).status();
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static List<String> scopes(JsonNode scope) {
        String text = scope == null || scope.isNull() ? "" : scope.asText();
        return text.isBlank() ? List.of() : List.of(text.trim().split(" +"));
    }
}
