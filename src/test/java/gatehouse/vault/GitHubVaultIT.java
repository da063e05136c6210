package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.CapturedLogs;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The vault end to end with GitHub (docs/http.md, "The vault"), both flavours configured at once: the GitHub App
 * (the default: installation tokens minted on demand) and the OAuth App ({@code kind=oauth}).
 */
class GitHubVaultIT {
    private static final AtomicLong IDS = new AtomicLong(5_000);
    private static FakeGitHub github;
    private static String database;
    private static TestServer server;
    private static CapturedLogs logs;
    private static Http admin;

    private String org;

    @BeforeAll
    static void start() {
        logs = new CapturedLogs();
        github = FakeGitHub.start();
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.putAll(github.gatehouseSettings());
        server = TestServer.start(env);
        github.registerCallback(server.issuer() + "/oauth/callback/github");
        github.registerSetupUrl(server.issuer() + "/oauth/callback/github");
        admin = Http.browser(server.baseUrl());
        var login = admin.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD));
        admin.csrf(login.text("csrf_token"));
    }

    @AfterAll
    static void stop() {
        logs.close();
        server.close();
        github.close();
    }

    @BeforeEach
    void freshOrganization() {
        github.heal();
        org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
    }

    /** Install → GitHub (the browser approves) → callback; returns the callback's answer. */
    private Http.Response connect(String kind) {
        Http.Response started = ConnectPage.start(admin, "github", "organization_id=" + org + (kind == null ? "" : "&kind=" + kind));
        assertThat(started.status()).as(started.body()).isEqualTo(302);
        Http.Response back = Http.anonymous().get(started.location());
        assertThat(back.status()).as(back.body()).isEqualTo(302);
        return admin.get(back.location());
    }

    private Http.Response lookup() {
        return admin.get("/oauth/token/github?organization_id=" + org);
    }

    @Test
    void gitHubAppInstallationGivesMintedTokensRenewedBeforeExpiry() throws Exception {
        long account = IDS.incrementAndGet();
        github.installOn(account, "acme-" + account, "Organization");
        Http.Response callback = connect(null);
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        JsonNode connection = callback.json().get("connections").get(0);
        assertThat(connection.get("kind").asText()).isEqualTo("app");
        assertThat(connection.get("external_id").asText()).isEqualTo(Long.toString(account));

        Http.Response first = lookup();
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.text("access_token")).startsWith("ghs_");
        assertThat(first.text("expires_at")).isNotNull();
        int minted = github.installationTokensMinted();
        try (var db = DriverManager.getConnection(database)) {
            db.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
        String renewed = lookup().text("access_token");
        assertThat(renewed).isNotEqualTo(first.text("access_token")).startsWith("ghs_");
        assertThat(github.installationTokensMinted()).isEqualTo(minted + 1);
    }

    @Test
    void uninstalledAppNeedsReauthorization() throws Exception {
        long account = IDS.incrementAndGet();
        github.installOn(account, "gone-" + account, "Organization");
        assertThat(connect(null).status()).isEqualTo(200);
        long installation = Long.parseLong(admin.get("/oauth/installations?organization_id=" + org).json().get("data")
                .get(0).get("external_id").asText());
        assertThat(installation).isEqualTo(account);
        try (var db = DriverManager.getConnection(database)) {
            db.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
        // The account owner removed the app on GitHub: minting is refused with 404.
        for (JsonNode c : admin.get("/oauth/installations?organization_id=" + org).json().get("data")) {
            assertThat(c.get("status").asText()).isEqualTo("active");
        }
        github.deleteInstallation(installationIdOf(account));
        Http.Response refused = lookup();
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.text("error")).isEqualTo("reauthorization_required");
    }

    /** The fake's installation ID for an account: the one the callback carried. */
    private long installationIdOf(long account) throws Exception {
        try (var db = DriverManager.getConnection(database)) {
            var rows = db.createStatement().executeQuery("SELECT count(*) FROM connections WHERE external_id = '" + account + "'");
            rows.next();
            assertThat(rows.getInt(1)).isEqualTo(1);
        }
        return github.installationIdFor(account);
    }

    @Test
    void gitHubInstallRequestWithoutAnInstallationIsRefused() {
        github.installRequestsOnly(true);
        try {
            Http.Response callback = connect(null);
            assertThat(callback.status()).isEqualTo(400);
            assertThat(callback.text("error")).isEqualTo("invalid_request");
        } finally {
            github.installRequestsOnly(false);
        }
    }

    @Test
    void oauthAppConnectionGivesTheUsersTokenAndDisconnectRevokesIt() {
        long user = IDS.incrementAndGet();
        github.signIn(user, "octo-" + user);
        Http.Response callback = connect("oauth");
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        JsonNode connection = callback.json().get("connections").get(0);
        assertThat(connection.get("kind").asText()).isEqualTo("oauth");
        assertThat(connection.get("external_name").asText()).isEqualTo("octo-" + user);

        Http.Response token = lookup();
        assertThat(token.status()).isEqualTo(200);
        assertThat(token.text("access_token")).startsWith("gho_");
        assertThat(token.json().get("expires_at").isNull()).isTrue();
        assertThat(github.isActiveToken(token.text("access_token"))).isTrue();

        assertThat(admin.delete("/api/v1/connections/" + connection.get("id").asText()).status()).isEqualTo(204);
        assertThat(github.revokedTokens()).contains(token.text("access_token"));
        assertThat(lookup().status()).isEqualTo(404);
        assertThat(admin.get("/oauth/status").json().get("platforms").get("github").get("configured").asBoolean()).isTrue();
        assertThat(List.of(callback.body(), admin.get("/api/v1/connections?organization_id=" + org).body()))
                .allSatisfy(body -> assertThat(body).doesNotContain("gho_"));
    }

    @Test
    void noTokenOrSecretEverAppearsInTheLogs() {
        long user = IDS.incrementAndGet();
        github.signIn(user, "logs-" + user);
        assertThat(connect("oauth").status()).isEqualTo(200);
        assertThat(lookup().status()).isEqualTo(200);
        assertThat(logs.messages()).isNotEmpty().allSatisfy(message -> assertThat(message)
                .doesNotContain(FakeGitHub.CLIENT_SECRET, "gho_", "ghs_", "ghr_", "ghu_", "PRIVATE KEY"));
    }
}
