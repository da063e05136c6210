package gatehouse.clients;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Approval of restricted capabilities (docs/http.md, "The management API"): an explicit, audited act of a platform admin
 * through {@code POST/DELETE /api/v1/oauth/clients/{client_id}/approvals}; a withdrawal takes effect
 * at once (live tokens carrying the scope die; refreshes and client credentials issue only what is
 * allowed now); and the password grant is opt-in per app.
 */
class ClientApprovalsIT {
    private static final String CLIENTS = "/api/v1/oauth/clients";

    private final Http api = Http.anonymous();
    private final Http admin = Fixtures.admin();
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
        read = Fixtures.scope("docs", false);
        restricted = Fixtures.scope("payroll", true);
    }

    // ---- approving ---------------------------------------------------------------------------------

    @Test
    void approveByAdminThenTheAppMayUseTheScopeAndTheApprovalIsAudited() {
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", read + " " + restricted));
        assertThat(listedIds("?pending_approval=true")).contains(app.clientId());
        assertThat(scopes(clientCredentials(app, null).json().get("scope"))).containsExactly(read);

        Http.Response approved = admin.postJson(approvals(app), Map.of("scopes", List.of(restricted)));

        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(scopes(approved.json().get("approved_scopes"))).containsExactly(restricted);
        assertThat(scopes(approved.json().get("allowed_scopes"))).containsExactlyInAnyOrder(read, restricted);
        assertThat(scopes(approved.json().get("pending_scopes"))).isEmpty();
        assertThat(listedIds("?pending_approval=true")).doesNotContain(app.clientId());
        assertThat(scopes(clientCredentials(app, null).json().get("scope"))).containsExactlyInAnyOrder(read, restricted);
        JsonNode entry = onlyAuditEntry("client.scopes_approved", app.clientId());
        assertThat(texts(entry.get("details").get("scopes"))).containsExactly(restricted);
        assertThat(entry.get("actor_type").asText()).isEqualTo("user");
    }

    @Test
    void approvalsByANonAdminThenForbiddenAndOfAnAppTheCallerCannotSeeThenNotFound() {
        Fixtures.App app = serviceApp(ownerSession);
        Http stranger = Fixtures.newUser().login();
        Fixtures.org(stranger);

        assertError(ownerSession.postJson(approvals(app), Map.of("scopes", List.of(restricted))), 403, "forbidden");
        assertError(ownerSession.delete(approvals(app) + "/" + restricted), 403, "forbidden");
        assertError(ownerSession.delete(approvals(app) + "/grant_types/password"), 403, "forbidden");
        assertError(stranger.postJson(approvals(app), Map.of("scopes", List.of(restricted))), 404, "not_found");
        assertError(stranger.delete(approvals(app) + "/" + restricted), 404, "not_found");
        assertError(admin.postJson(CLIENTS + "/foapp_" + "0".repeat(24) + "/approvals",
                Map.of("scopes", List.of(restricted))), 404, "not_found");
        assertThat(scopes(ownerSession.get(CLIENTS + "/" + app.clientId()).json().get("approved_scopes"))).isEmpty();
    }

    @Test
    void approveSomethingNotRestrictedOrUnknownThenValidationFailed() {
        Fixtures.App app = serviceApp(ownerSession);

        assertError(admin.postJson(approvals(app), Map.of("scopes", List.of(read))), 400, "validation_failed");
        assertError(admin.postJson(approvals(app), Map.of("scopes", List.of(restricted, Fixtures.unique("nope") + ":x"))),
                400, "validation_failed");
        assertError(admin.postJson(approvals(app), Map.of("grant_types", List.of("client_credentials"))),
                400, "validation_failed");
        assertError(admin.postJson(approvals(app), Map.of()), 400, "validation_failed");
        assertError(admin.postJson(approvals(app), Map.of("scopes", restricted)), 400, "validation_failed");
        assertThat(scopes(admin.get(CLIENTS + "/" + app.clientId()).json().get("approved_scopes")))
                .as("nothing of a refused request was approved").isEmpty();
    }

    @Test
    void withdrawWhatIsNotApprovedThenNotFound() {
        Fixtures.App app = serviceApp(ownerSession);

        assertError(admin.delete(approvals(app) + "/" + restricted), 404, "not_found");
        assertError(admin.delete(approvals(app) + "/grant_types/password"), 404, "not_found");
    }

    @Test
    void editsNeverChangeApprovalsEvenRemovingAndReaddingTheScope() {
        Fixtures.App app = serviceApp(ownerSession);
        admin.postJson(approvals(app), Map.of("scopes", List.of(restricted)));

        Http.Response narrowed = admin.putJson(CLIENTS + "/" + app.clientId(), Map.of("scope", read));
        assertThat(scopes(narrowed.json().get("approved_scopes"))).containsExactly(restricted);
        assertThat(scopes(narrowed.json().get("allowed_scopes"))).as("not requested any more").containsExactly(read);

        Http.Response widened = ownerSession.putJson(CLIENTS + "/" + app.clientId(), Map.of("scope", read + " " + restricted));
        assertThat(scopes(widened.json().get("approved_scopes"))).containsExactly(restricted);
        assertThat(scopes(widened.json().get("allowed_scopes"))).containsExactlyInAnyOrder(read, restricted);
    }

    @Test
    void aPlainMemberCannotAskAgainForAnApprovalTheAppNoLongerRequests() {
        Fixtures.App app = serviceApp(ownerSession);
        admin.postJson(approvals(app), Map.of("scopes", List.of(restricted)));
        assertThat(ownerSession.putJson(CLIENTS + "/" + app.clientId(), Map.of("scope", read)).status()).isEqualTo(200);
        Fixtures.User member = Fixtures.newUser();
        assertThat(ownerSession.postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", member.username(), "role", "member")).status()).isEqualTo(201);
        Http memberSession = member.login();

        assertError(memberSession.putJson(CLIENTS + "/" + app.clientId(), Map.of("scope", read + " " + restricted)),
                403, "forbidden");
        assertError(memberSession.postJson(CLIENTS + "/" + app.clientId() + "/secret", Map.of()), 403, "forbidden");
        assertThat(scopes(admin.get(CLIENTS + "/" + app.clientId()).json().get("allowed_scopes"))).containsExactly(read);
    }

    // ---- withdrawing takes effect at once ----------------------------------------------------------

    @Test
    void withdrawScopeThenLiveTokensCarryingItDieAndNewTokensLeaveItOut() {
        Fixtures.App app = serviceApp(ownerSession);
        Http.Response approved = admin.postJson(approvals(app), Map.of("scopes", List.of(restricted),
                "grant_types", List.of("password")));
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        Fixtures.User user = Fixtures.newUser();
        JsonNode login = password(app, user, null).json();
        assertThat(scopes(login.get("scope"))).containsExactlyInAnyOrder(read, restricted);
        String serviceToken = clientCredentials(app, null).text("access_token");
        String narrowService = clientCredentials(app, read).text("access_token");

        Http.Response withdrawn = admin.delete(approvals(app) + "/" + restricted);

        assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(204);
        assertThat(app.isActive(login.get("access_token").asText())).as("the user's token carried it").isFalse();
        assertThat(app.isActive(serviceToken)).as("the service token carried it").isFalse();
        assertThat(app.isActive(narrowService)).as("a token without the scope lives on").isTrue();
        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", login.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(scopes(refreshed.json().get("scope"))).containsExactly(read);
        assertThat(scopes(clientCredentials(app, null).json().get("scope"))).containsExactly(read);
        assertError(clientCredentials(app, restricted), 400, "invalid_scope");
        JsonNode entry = onlyAuditEntry("client.scopes_withdrawn", app.clientId());
        assertThat(texts(entry.get("details").get("scopes"))).containsExactly(restricted);
        assertThat(entry.get("details").get("tokens_revoked").asInt()).isEqualTo(2);
        assertThat(scopes(admin.get(CLIENTS + "/" + app.clientId()).json().get("pending_scopes")))
                .containsExactly(restricted);
    }

    @Test
    void withdrawAdminScopeThenTheServiceTokenStopsManagingAtOnce() {
        Fixtures.App app = Fixtures.app(admin, Fixtures.org(admin), Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", "admin:*"));
        assertThat(scopes(app.json().get("approved_scopes"))).containsExactly("admin:*");
        String token = clientCredentials(app, null).text("access_token");
        assertThat(api.get("/api/v1/orgs?all=true", "Authorization", "Bearer " + token).status()).isEqualTo(200);

        Http.Response withdrawn = admin.delete(approvals(app) + "/admin:*");

        assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(204);
        assertError(api.get("/api/v1/orgs?all=true", "Authorization", "Bearer " + token), 401, "invalid_token");
        assertThat(clientCredentials(app, null).text("scope")).isEmpty();
    }

    @Test
    void editRemovingARequestedScopeThenLiveTokensCarryingItDie() {
        String other = Fixtures.scope("sheets", false);
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", read + " " + other));
        String both = clientCredentials(app, null).text("access_token");
        String readOnly = clientCredentials(app, read).text("access_token");

        Http.Response edited = ownerSession.putJson(CLIENTS + "/" + app.clientId(), Map.of("scope", read));

        assertThat(edited.status()).as(edited.body()).isEqualTo(200);
        assertThat(app.isActive(both)).isFalse();
        assertThat(app.isActive(readOnly)).isTrue();
        assertError(clientCredentials(app, other), 400, "invalid_scope");
    }

    // ---- the password grant is opt-in per app ------------------------------------------------------

    @Test
    void passwordGrantOfAMembersAppWaitsForAnAdminAndWithdrawingItEndsItsSignIns() {
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("grant_types", List.of("password", "refresh_token"),
                "redirect_uris", List.of(), "scope", read));
        assertThat(texts(app.json().get("approved_grant_types"))).isEmpty();
        assertThat(texts(app.json().get("pending_grant_types"))).containsExactly("password");
        assertThat(listedIds("?pending_approval=true")).contains(app.clientId());
        Fixtures.User user = Fixtures.newUser();

        assertError(password(app, user, null), 400, "unauthorized_client");

        Http.Response approved = admin.postJson(approvals(app), Map.of("grant_types", List.of("password")));
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(texts(approved.json().get("approved_grant_types"))).containsExactly("password");
        assertThat(texts(approved.json().get("pending_grant_types"))).isEmpty();
        assertThat(listedIds("?pending_approval=true")).doesNotContain(app.clientId());
        assertThat(onlyAuditEntry("client.grant_types_approved", app.clientId()).get("details").get("grant_types")
                .get(0).asText()).isEqualTo("password");
        JsonNode login = password(app, user, null).json();
        assertThat(app.isActive(login.get("access_token").asText())).isTrue();

        Http.Response withdrawn = admin.delete(approvals(app) + "/grant_types/password");

        assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(204);
        assertError(password(app, user, null), 400, "unauthorized_client");
        assertThat(app.isActive(login.get("access_token").asText())).isFalse();
        assertError(api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", login.get("refresh_token").asText()), "Authorization", app.basic()), 400, "invalid_grant");
        assertThat(onlyAuditEntry("client.grant_types_withdrawn", app.clientId()).get("details").get("grants_revoked")
                .asInt()).isEqualTo(1);
    }

    @Test
    void passwordGrantAddedByAMemberEditWaitsForAnAdmin() {
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("scope", read));

        Http.Response edited = ownerSession.putJson(CLIENTS + "/" + app.clientId(),
                Map.of("grant_types", List.of("authorization_code", "refresh_token", "password")));

        assertThat(edited.status()).as(edited.body()).isEqualTo(200);
        assertThat(texts(edited.json().get("pending_grant_types"))).containsExactly("password");
        assertError(password(app, Fixtures.newUser(), null), 400, "unauthorized_client");
        Http.Response byAdmin = admin.putJson(CLIENTS + "/" + app.clientId(),
                Map.of("grant_types", List.of("authorization_code", "refresh_token", "password")));
        assertThat(texts(byAdmin.json().get("approved_grant_types"))).as("an edit never approves").isEmpty();
    }

    @Test
    void passwordGrantOfAnAppAnAdminRegisteredWorksAndRecordsTheUsersConsent() {
        Fixtures.App app = Fixtures.app(admin, orgId, Map.of("grant_types", List.of("password"),
                "redirect_uris", List.of(), "scope", read));
        assertThat(texts(app.json().get("approved_grant_types"))).containsExactly("password");
        Fixtures.User user = Fixtures.newUser();
        Http userSession = user.login();
        String userOrg = Fixtures.org(userSession);

        Http.Response login = password(app, user, userOrg);

        assertThat(login.status()).as(login.body()).isEqualTo(200);
        JsonNode consents = userSession.get("/api/v1/oauth/consents").json().get("data");
        assertThat(consents).hasSize(1);
        JsonNode consent = consents.get(0);
        assertThat(consent.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(consent.get("actor").asText()).isEqualTo("self");
        assertThat(consent.get("organization_id").asText()).isEqualTo(userOrg);
        assertThat(texts(consent.get("scopes"))).containsExactly(read);
        JsonNode history = userSession.get("/api/v1/oauth/consents/history").json().get("data");
        assertThat(history.get(0).get("event").asText()).isEqualTo("granted");

        Http.Response revoked = userSession.delete("/api/v1/oauth/consents/" + consent.get("id").asText());
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(204);
        assertThat(app.isActive(login.text("access_token"))).as("revoking the consent ends the sign-in").isFalse();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** A member's app acting as itself (and, for the password grant, as users) asking for read and restricted. */
    private Fixtures.App serviceApp(Http session) {
        return Fixtures.app(session, orgId, Map.of("grant_types", List.of("client_credentials", "password", "refresh_token"),
                "actor_modes", List.of("app", "self"), "redirect_uris", List.of(), "scope", read + " " + restricted));
    }

    // ---- refusing -----------------------------------------------------------------------------------

    @Test
    void refusalRemovesThePendingScopeFromTheRequestAndIsAudited() {
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", read + " " + restricted));

        Http.Response refused = admin.postJson(refusals(app), Map.of("scopes", List.of(restricted)));

        assertThat(refused.status()).as(refused.body()).isEqualTo(200);
        assertThat(scopes(refused.json().get("scope"))).containsExactly(read);
        assertThat(scopes(refused.json().get("pending_scopes"))).isEmpty();
        assertThat(scopes(refused.json().get("approved_scopes"))).isEmpty();
        assertThat(listedIds("?pending_approval=true")).doesNotContain(app.clientId());
        JsonNode entry = onlyAuditEntry("client.scopes_refused", app.clientId());
        assertThat(texts(entry.get("details").get("scopes"))).containsExactly(restricted);
    }

    @Test
    void refusingThePasswordGrantDropsARefreshGrantLeftWithNothingToRefresh() {
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("grant_types", List.of("password", "refresh_token",
                "client_credentials"), "actor_modes", List.of("app", "self"), "redirect_uris", List.of(), "scope", read));

        Http.Response refused = admin.postJson(refusals(app), Map.of("grant_types", List.of("password")));

        assertThat(refused.status()).as(refused.body()).isEqualTo(200);
        assertThat(texts(refused.json().get("grant_types"))).containsExactly("client_credentials");
        assertThat(texts(onlyAuditEntry("client.grant_types_refused", app.clientId()).get("details").get("grant_types")))
                .containsExactly("password", "refresh_token");
    }

    @Test
    void refusalIsForPlatformAdminsAndOnlyOfWhatIsPending() {
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", read + " " + restricted));
        Map<String, Object> body = Map.of("scopes", List.of(restricted));

        assertThat(ownerSession.postJson(refusals(app), body).status()).isEqualTo(403);
        Fixtures.App reader = Fixtures.app(ownerSession, orgId, Map.of("scope", read));
        String delegated = reader.exchange(new OAuthBrowser(owner).authorizationCode(reader, read))
                .get("access_token").asText();
        assertThat(api.postJson(refusals(app), body, "Authorization", "Bearer " + delegated).status()).isEqualTo(403);
        assertThat(Fixtures.newUser().login().postJson(refusals(app), body).status()).isEqualTo(404);
        assertThat(admin.postJson(refusals(app), Map.of("scopes", List.of(read))).status()).isEqualTo(400);
        assertThat(admin.postJson(refusals(app), Map.of()).status()).isEqualTo(400);
        Http.Response onlyGrant = admin.postJson(refusals(Fixtures.app(ownerSession, orgId, Map.of("grant_types",
                List.of("password"), "actor_modes", List.of("self"), "redirect_uris", List.of(), "scope", read))),
                Map.of("grant_types", List.of("password")));
        assertThat(onlyGrant.status()).as(onlyGrant.body()).isEqualTo(409);
        assertThat(scopes(ownerSession.get(CLIENTS + "/" + app.clientId()).json().get("pending_scopes")))
                .containsExactly(restricted);
    }

    private static String refusals(Fixtures.App app) {
        return CLIENTS + "/" + app.clientId() + "/refusals";
    }

    private static String approvals(Fixtures.App app) {
        return CLIENTS + "/" + app.clientId() + "/approvals";
    }

    private Http.Response clientCredentials(Fixtures.App app, String scope) {
        List<String> form = new ArrayList<>(List.of("grant_type", "client_credentials"));
        if (scope != null) {
            form.addAll(List.of("scope", scope));
        }
        Http.Response response = api.postForm("/oauth/token", Http.form(form.toArray(String[]::new)),
                "Authorization", app.basic());
        if (scope == null || response.status() == 200) {
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
        return response;
    }

    private Http.Response password(Fixtures.App app, Fixtures.User user, String organizationId) {
        List<String> form = new ArrayList<>(List.of("grant_type", "password", "username", user.username(),
                "password", user.password()));
        if (organizationId != null) {
            form.addAll(List.of("organization_id", organizationId));
        }
        return api.postForm("/oauth/token", Http.form(form.toArray(String[]::new)), "Authorization", app.basic());
    }

    private List<String> listedIds(String query) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            Http.Response page = admin.get(CLIENTS + query + "&limit=200" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            page.json().get("data").forEach(app -> ids.add(app.get("client_id").asText()));
            cursor = page.text("next_cursor");
        } while (cursor != null);
        return ids;
    }

    private JsonNode onlyAuditEntry(String action, String clientId) {
        Http.Response response = admin.get("/api/v1/audit-logs?limit=200&action=" + action + "&client_id=" + clientId);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode data = response.json().get("data");
        assertThat(data).as("%s entries of %s", action, clientId).hasSize(1);
        return data.get(0);
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
