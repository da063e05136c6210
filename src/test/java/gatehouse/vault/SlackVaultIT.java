package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.crypto.Encryption;
import gatehouse.testing.CapturedLogs;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The vault end to end with Slack (docs/http.md, "The vault"): connect through Gatehouse's HTTP API against a fake
 * Slack, look tokens up, refresh them exactly once across two nodes, and fail the way the contract
 * says. Two Gatehouse nodes share a database of their own.
 */
class SlackVaultIT {
    private static CapturedLogs logs;
    private static FakeSlack slack;
    private static String database;
    private static TestServer a;
    private static TestServer b;
    private static Http admin;
    private static String serviceToken;

    private String org;

    @BeforeAll
    static void start() {
        logs = new CapturedLogs();
        slack = new FakeSlack();
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>(slack.settings());
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.put("GATEHOUSE_CONNECT_RETURN_URLS", "https://saas.example.test/settings/");
        a = TestServer.start(env);
        b = TestServer.start(env);
        admin = adminOf(a);
        String serviceOrg = admin.postJson("/api/v1/orgs", Map.of("name", "Internal")).text("id");
        var app = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(serviceOrg, Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of(),
                "scope", "connections:read")));
        assertThat(app.status()).as(app.body()).isEqualTo(201);
        serviceToken = Http.anonymous(a.baseUrl()).postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", Http.basic(app.text("client_id"), app.text("client_secret"))).text("access_token");
    }

    @AfterAll
    static void stop() {
        logs.close();
        a.close();
        b.close();
        slack.close();
    }

    @BeforeEach
    void freshOrganization() {
        slack.rotation = true;
        slack.expiresIn = 43_200;
        slack.failing(false);
        slack.rateLimited(false);
        slack.refreshDelayMillis = 0;
        slack.enterpriseInstall = false;
        // Each test connects its own workspace: a workspace is live in one organization at most.
        slack.teamId = "T" + Fixtures.unique("w").replace("-", "").toUpperCase();
        slack.enterpriseId = "E" + Fixtures.unique("g").replace("-", "").toUpperCase();
        org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
    }

    private static Http adminOf(TestServer server) {
        Http session = Http.browser(server.baseUrl());
        var login = session.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD));
        return session.csrf(login.text("csrf_token"));
    }

    /** Install → Slack (approves) → callback; returns the callback's answer. */
    private static Http.Response connect(Http session, String orgId, String returnTo) {
        Http.Response started = ConnectPage.start(session, "slack", "organization_id=" + orgId
                + (returnTo == null ? "" : "&return_to=" + Http.form("x", returnTo).substring(2)));
        assertThat(started.status()).as(started.body()).isEqualTo(302);
        assertThat(started.location()).startsWith(slack.url() + "/oauth/v2/authorize?");
        Http.Response approved = Http.anonymous().get(started.location());
        assertThat(approved.status()).isEqualTo(302);
        return session.get(approved.location());
    }

    private static Http.Response lookup(TestServer node, String query) {
        return Http.anonymous(node.baseUrl()).get("/oauth/token/slack?" + query, "Authorization", "Bearer " + serviceToken);
    }

    private void expireStoredTokens() throws Exception {
        expireIn("1 minute");
    }

    /** Moves this test's organization's token expiry to {@code interval} from now. */
    private void expireIn(String interval) throws Exception {
        try (var connection = DriverManager.getConnection(database)) {
            connection.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '" + interval
                    + "' WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
    }

    @Test
    void adminConnectsSlackAndServicesLookTheTokenUpByWorkspaceOrOrganization() {
        Http.Response callback = connect(admin, org, null);
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        JsonNode connection = callback.json().get("connections").get(0);
        assertThat(connection.get("external_id").asText()).isEqualTo(slack.teamId);
        assertThat(connection.get("status").asText()).isEqualTo("active");
        assertThat(connection.toString()).doesNotContain("xox");

        Http.Response byOrg = lookup(a, "organization_id=" + org);
        assertThat(byOrg.status()).as(byOrg.body()).isEqualTo(200);
        assertThat(byOrg.text("access_token")).startsWith("xoxe.xoxb-");
        assertThat(byOrg.text("connection_id")).isEqualTo(connection.get("id").asText());
        assertThat(byOrg.header("Cache-Control")).contains("no-store");
        Http.Response byWorkspace = lookup(b, "workspace_id=" + slack.teamId);
        assertThat(byWorkspace.status()).isEqualTo(200);

        assertThat(Http.anonymous(a.baseUrl()).get("/oauth/token/slack?organization_id=" + org).status()).isEqualTo(401);
        Http.Response twoKeys = lookup(a, "organization_id=" + org + "&workspace_id=T1");
        assertThat(twoKeys.status()).isEqualTo(400);
        assertThat(lookup(a, "workspace_id=TNOPE").status()).isEqualTo(404);
        assertThat(lookup(a, "site_id=x").status()).isEqualTo(400);
        assertThat(Http.anonymous(a.baseUrl()).get("/oauth/token/jira?site_id=x", "Authorization",
                "Bearer " + serviceToken).status()).isEqualTo(404);

        JsonNode listed = admin.get("/api/v1/connections?organization_id=" + org).json().get("data");
        assertThat(listed).hasSize(1);
        assertThat(listed.toString()).doesNotContain("xox");
        JsonNode status = admin.get("/oauth/status").json().get("platforms");
        assertThat(status.get("slack").get("configured").asBoolean()).isTrue();
        assertThat(status.get("jira").get("configured").asBoolean()).isFalse();
        assertThat(ConnectPage.start(admin, "jira", "organization_id=" + org).status()).isEqualTo(404);
    }

    @Test
    void fiftyConcurrentLookupsOverTwoNodesRefreshOnceAndAllGetTheNewToken() throws Exception {
        assertThat(connect(admin, org, null).status()).isEqualTo(200);
        String before = lookup(a, "organization_id=" + org).text("access_token");
        expireStoredTokens();
        slack.refreshDelayMillis = 300;
        int refreshesBefore = slack.refreshes.get();

        List<Callable<Http.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            TestServer node = i % 2 == 0 ? a : b;
            calls.add(() -> lookup(node, "workspace_id=" + slack.teamId));
        }
        Set<String> tokens = new HashSet<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Http.Response> result : pool.invokeAll(calls)) {
                assertThat(result.get().status()).as(result.get().body()).isEqualTo(200);
                tokens.add(result.get().text("access_token"));
            }
        }
        assertThat(slack.refreshes.get() - refreshesBefore).isEqualTo(1);
        assertThat(tokens).hasSize(1).doesNotContain(before);
        String metrics = admin.get("/metrics").body() + adminOf(b).get("/metrics").body();
        assertThat(metrics).contains("gatehouse_vault_refreshes_total{outcome=\"refreshed\",platform=\"slack\"}");
    }

    @Test
    void deadRefreshTokenMarksTheConnectionForReauthorizationAndLookupsGet409() throws Exception {
        assertThat(connect(admin, org, null).status()).isEqualTo(200);
        expireStoredTokens();
        slack.revokeAllRefreshTokens();
        Http.Response refused = lookup(a, "organization_id=" + org);
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.text("error")).isEqualTo("reauthorization_required");
        JsonNode connection = admin.get("/api/v1/connections?organization_id=" + org).json().get("data").get(0);
        assertThat(connection.get("status").asText()).isEqualTo("needs_reauth");
        assertThat(connection.get("last_error").asText()).isEqualTo("invalid_refresh_token");
        assertThat(lookup(b, "organization_id=" + org).status()).isEqualTo(409);
        JsonNode audit = admin.get("/api/v1/audit-logs?action=connection.refresh_failed&organization_id=" + org)
                .json().get("data");
        assertThat(audit).hasSize(1);
        assertThat(admin.get("/api/v1/connections?status=needs_reauth&organization_id=" + org).json().get("data")).hasSize(1);

        // Connecting again repairs it.
        assertThat(connect(admin, org, null).status()).isEqualTo(200);
        assertThat(lookup(a, "organization_id=" + org).status()).isEqualTo(200);
    }

    @Test
    void providerOutageIs503AndTheStoredTokenSurvivesForTheNextTry() throws Exception {
        assertThat(connect(admin, org, null).status()).isEqualTo(200);
        expireStoredTokens();
        slack.failing(true);
        Http.Response down = lookup(a, "organization_id=" + org);
        assertThat(down.status()).as(down.body()).isEqualTo(503);
        assertThat(down.text("error")).isEqualTo("provider_unavailable");
        slack.failing(false);
        slack.rateLimited(true);
        assertThat(lookup(a, "organization_id=" + org).status()).isEqualTo(503);
        slack.rateLimited(false);
        // The refresh token was never spent: the next try succeeds with it.
        Http.Response back = lookup(a, "organization_id=" + org);
        assertThat(back.status()).as(back.body()).isEqualTo(200);
        assertThat(admin.get("/api/v1/connections?organization_id=" + org).json().get("data").get(0)
                .get("status").asText()).isEqualTo("active");
    }

    @Test
    void replayedForeignOrExpiredStatesAndForeignReturnUrlsAreRefusedWithoutCallingSlack() throws Exception {
        Http.Response started = ConnectPage.start(admin, "slack", "organization_id=" + org);
        String callback = Http.anonymous().get(started.location()).location();
        int exchanges = slack.exchanges.get();

        // Another user's session presenting this state.
        var other = Fixtures.newUser();
        Http otherSession = Http.browser(a.baseUrl());
        otherSession.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD));
        assertThat(other).isNotNull();
        Http stranger = Http.browser(a.baseUrl());
        var user = stranger.postJson("/api/v1/users", Map.of("username", Fixtures.unique("u") + "@example.test",
                "password", "a-long-password-1", "name", "Stranger"));
        assertThat(user.status()).isEqualTo(201);
        var login = stranger.postJson("/api/v1/auth/login", Map.of("username", user.text("username"),
                "password", "a-long-password-1"));
        assertThat(login.status()).isEqualTo(200);
        assertThat(stranger.get(callback).status()).isEqualTo(400);
        // Used up by that attempt: the rightful user cannot replay it either.
        assertThat(admin.get(callback).status()).isEqualTo(400);

        // Expired.
        Http.Response again = ConnectPage.start(admin, "slack", "organization_id=" + org);
        String expiredCallback = Http.anonymous().get(again.location()).location();
        try (var connection = DriverManager.getConnection(database)) {
            connection.createStatement().execute("UPDATE connect_states SET expires_at = now() - interval '1 second'");
        }
        Http.Response expired = admin.get(expiredCallback);
        assertThat(expired.status()).isEqualTo(400);
        assertThat(expired.text("error_description")).contains("expired");

        assertThat(admin.get(callback.replaceAll("state=[^&]+", "state=forged")).status()).isEqualTo(400);
        assertThat(slack.exchanges.get()).isEqualTo(exchanges);

        Http.Response foreign = ConnectPage.start(admin, "slack", "organization_id=" + org + "&return_to="
                + Http.form("x", "https://saas.example.test.evil.example/settings/").substring(2));
        assertThat(foreign.status()).isEqualTo(400);
        Http.Response allowed = connect(admin, org, "https://saas.example.test/settings/integrations");
        assertThat(allowed.status()).isEqualTo(302);
        assertThat(allowed.location()).startsWith("https://saas.example.test/settings/integrations?status=connected");
    }

    @Test
    void onlyOrganizationAdminsConnect() {
        var member = Fixtures.newUser();
        assertThat(member).isNotNull();
        Http stranger = Http.browser(a.baseUrl());
        var user = stranger.postJson("/api/v1/users", Map.of("username", Fixtures.unique("m") + "@example.test",
                "password", "a-long-password-2", "name", "Member"));
        admin.postJson("/api/v1/orgs/" + org + "/members", Map.of("username", user.text("username"), "role", "member"));
        var login = stranger.postJson("/api/v1/auth/login", Map.of("username", user.text("username"),
                "password", "a-long-password-2"));
        stranger.csrf(login.text("csrf_token"));
        assertThat(ConnectPage.start(stranger, "slack", "organization_id=" + org).status()).isEqualTo(403);
        assertThat(Http.anonymous(a.baseUrl()).get("/oauth/install/slack?organization_id=" + org).status()).isEqualTo(401);
    }

    @Test
    void disconnectRevokesAtSlackAndDestroysTheTokens() {
        JsonNode connection = connect(admin, org, null).json().get("connections").get(0);
        String token = lookup(a, "organization_id=" + org).text("access_token");
        Http.Response gone = admin.delete("/oauth/installations/" + connection.get("id").asText());
        assertThat(gone.status()).as(gone.body()).isEqualTo(204);
        assertThat(slack.revoked()).contains(token);
        assertThat(lookup(a, "organization_id=" + org).status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/connections?organization_id=" + org + "&status=revoked").json().get("data"))
                .hasSize(1);
        assertThat(admin.delete("/api/v1/connections/" + connection.get("id").asText()).status()).isEqualTo(404);
    }

    @Test
    void noTokenEverAppearsInTheLogs() throws Exception {
        assertThat(connect(admin, org, null).status()).isEqualTo(200);
        expireStoredTokens();
        lookup(a, "organization_id=" + org);
        slack.failing(true);
        expireStoredTokens();
        lookup(b, "organization_id=" + org);
        slack.failing(false);
        assertThat(logs.messages()).isNotEmpty().allSatisfy(message ->
                assertThat(message).doesNotContain("xoxe", "xoxb", "xoxp", FakeSlack.CLIENT_SECRET));
    }

    @Test
    void keyRotationWithReencryptionLeavesEveryConnectionReadable() throws Exception {
        // A database of its own: after re-encryption, nodes that lack the new key read nothing there.
        String ownDatabase = TestDatabase.another();
        Map<String, String> oldKey = new HashMap<>(slack.settings());
        oldKey.put("GATEHOUSE_DATABASE_URL", ownDatabase);
        TestServer before = TestServer.start(oldKey);
        String token;
        String orgId;
        try {
            Http session = adminOf(before);
            orgId = session.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
            assertThat(connect(session, orgId, null).status()).isEqualTo(200);
            token = session.get("/oauth/token/slack?organization_id=" + orgId).text("access_token");
            assertThat(token).startsWith("xox");
        } finally {
            before.close();
        }
        String newKey = Encryption.generateKey();
        var out = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>(oldKey);
        env.put("GATEHOUSE_ENCRYPTION_KEYS", newKey + "," + TestServer.ENCRYPTION_KEY);
        env.put("GATEHOUSE_DATA_DIR", Files.createTempDirectory("gatehouse-reencrypt").toString());
        int code = gatehouse.Commands.run(List.of("reencrypt"), env, new PrintStream(out, true), System.err);
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("vault_credentials: 1");

        // A node that knows only the new key reads every connection.
        Map<String, String> onlyNew = new HashMap<>(oldKey);
        onlyNew.put("GATEHOUSE_ENCRYPTION_KEYS", newKey);
        TestServer after = TestServer.start(onlyNew);
        try {
            Http.Response read = adminOf(after).get("/oauth/token/slack?organization_id=" + orgId);
            assertThat(read.status()).as(read.body()).isEqualTo(200);
            assertThat(read.text("access_token")).isEqualTo(token);
        } finally {
            after.close();
        }
    }

    @Test
    void backgroundRefresherRenewsTokensBeforeTheyExpireAndBacksOffAfterFailures() throws Exception {
        assertThat(connect(admin, org, null).status()).isEqualTo(200);
        String before = lookup(a, "organization_id=" + org).text("access_token");
        // Outside the lookups' 5-minute skew, inside the refresher's 10-minute horizon.
        expireIn("8 minutes");
        a.app().vaultRefresher().runOnce();
        int refreshes = slack.refreshes.get();
        String after = lookup(a, "organization_id=" + org).text("access_token");
        assertThat(after).isNotEqualTo(before);
        assertThat(slack.refreshes.get()).as("the lookup found a fresh token").isEqualTo(refreshes);
        assertThat(a.app().vaultRefresher().lastRunAt()).isNotNull();

        expireIn("8 minutes");
        slack.failing(true);
        a.app().vaultRefresher().runOnce();
        int afterFailure = slack.refreshes.get();
        b.app().vaultRefresher().runOnce(); // backing off: not tried again at once, by any node
        assertThat(slack.refreshes.get()).isEqualTo(afterFailure);
        slack.failing(false);
        assertThat(lookup(a, "organization_id=" + org).text("access_token")).isEqualTo(after);
    }

    @Test
    void orgWideEnterpriseInstallIsKeyedByTheEnterpriseId() {
        slack.enterpriseInstall = true;
        JsonNode connection = connect(admin, org, null).json().get("connections").get(0);
        assertThat(connection.get("external_id").asText()).isEqualTo(slack.enterpriseId);
        assertThat(connection.get("external_name").asText()).isEqualTo("Acme Grid");
        Http.Response found = lookup(a, "workspace_id=" + slack.enterpriseId);
        assertThat(found.status()).as(found.body()).isEqualTo(200);
        assertThat(found.text("connection_id")).isEqualTo(connection.get("id").asText());
    }
}
