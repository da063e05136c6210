package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.CapturedLogs;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The vault end to end with Jira (docs/http.md, "The vault"): one grant reaching several sites makes one connection
 * per site sharing one credential; rotating refresh tokens are spent once; a dead grant needs
 * re-authorization on every site.
 */
class JiraVaultIT {
    private static FakeAtlassian atlassian;
    private static String database;
    private static TestServer server;
    private static CapturedLogs logs;
    private static Http admin;

    private String org;

    @BeforeAll
    static void start() {
        logs = new CapturedLogs();
        atlassian = new FakeAtlassian(Clock.systemUTC());
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.putAll(atlassian.gatehouseSettings());
        server = TestServer.start(env);
        admin = Http.browser(server.baseUrl());
        var login = admin.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD));
        admin.csrf(login.text("csrf_token"));
    }

    @AfterAll
    static void stop() {
        logs.close();
        server.close();
        atlassian.close();
    }

    @BeforeEach
    void freshOrganization() {
        atlassian.recover();
        org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
    }

    private Http.Response connect() {
        Http.Response started = ConnectPage.start(admin, "jira", "organization_id=" + org);
        assertThat(started.status()).as(started.body()).isEqualTo(302);
        Http.Response consented = Http.anonymous().get(started.location());
        assertThat(consented.status()).isEqualTo(302);
        return admin.get(consented.location());
    }

    private static Http.Response lookup(String query) {
        return admin.get("/oauth/token/jira?" + query);
    }

    private void expire() throws Exception {
        try (var connection = DriverManager.getConnection(database)) {
            connection.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
    }

    @Test
    void grantOverTwoSitesMakesTwoConnectionsThatShareOneRefresh() throws Exception {
        var acme = FakeAtlassian.Site.named(Fixtures.unique("acme"));
        var labs = FakeAtlassian.Site.named(Fixtures.unique("labs"));
        atlassian.sites(acme, labs);
        Http.Response callback = connect();
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        JsonNode connections = callback.json().get("connections");
        assertThat(connections).extracting(c -> c.get("external_id").asText())
                .containsExactlyInAnyOrder(acme.id(), labs.id());

        String first = lookup("site_id=" + acme.id()).text("access_token");
        assertThat(lookup("site_id=" + labs.id()).text("access_token")).isEqualTo(first);
        assertThat(atlassian.accessTokenWorksFor(first, acme.id())).isTrue();

        expire();
        int refreshes = atlassian.refreshCalls();
        String renewed = lookup("site_id=" + acme.id()).text("access_token");
        assertThat(renewed).isNotEqualTo(first);
        assertThat(lookup("site_id=" + labs.id()).text("access_token")).isEqualTo(renewed);
        assertThat(atlassian.refreshCalls()).isEqualTo(refreshes + 1);

        // Disconnecting one site keeps the other working; the second disconnect destroys the credential.
        String acmeConnection = connections.get(0).get("external_id").asText().equals(acme.id())
                ? connections.get(0).get("id").asText() : connections.get(1).get("id").asText();
        assertThat(admin.delete("/api/v1/connections/" + acmeConnection).status()).isEqualTo(204);
        assertThat(lookup("site_id=" + acme.id()).status()).isEqualTo(404);
        assertThat(lookup("site_id=" + labs.id()).status()).isEqualTo(200);
    }

    @Test
    void deadGrantMarksEverySiteForReauthorization() throws Exception {
        var one = FakeAtlassian.Site.named(Fixtures.unique("one"));
        var two = FakeAtlassian.Site.named(Fixtures.unique("two"));
        atlassian.sites(one, two);
        assertThat(connect().status()).isEqualTo(200);
        String token = lookup("site_id=" + one.id()).text("access_token");
        atlassian.revokeGrantOf(token);
        expire();
        Http.Response refused = lookup("site_id=" + one.id());
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.text("error")).isEqualTo("reauthorization_required");
        assertThat(lookup("site_id=" + two.id()).status()).isEqualTo(409);
        JsonNode listed = admin.get("/oauth/installations?organization_id=" + org + "&platform=jira").json().get("data");
        assertThat(listed).extracting(c -> c.get("status").asText()).containsOnly("needs_reauth");
    }

    @Test
    void grantReachingNoSiteIsRefusedClearly() {
        atlassian.sites();
        Http.Response callback = connect();
        assertThat(callback.status()).isEqualTo(400);
        assertThat(callback.text("error_description")).contains("no Jira site");
    }

    @Test
    void providerOutageIs503WithTheRefreshTokenUnspent() throws Exception {
        var site = FakeAtlassian.Site.named(Fixtures.unique("s"));
        atlassian.sites(site);
        assertThat(connect().status()).isEqualTo(200);
        expire();
        atlassian.answer500(10);
        Http.Response down = lookup("site_id=" + site.id());
        assertThat(down.status()).as(down.body()).isEqualTo(503);
        assertThat(down.text("error")).isEqualTo("provider_unavailable");
        atlassian.recover();
        assertThat(lookup("site_id=" + site.id()).status()).isEqualTo(200);
    }

    @Test
    void noTokenOrSecretEverAppearsInTheLogs() throws Exception {
        var site = FakeAtlassian.Site.named(Fixtures.unique("logs"));
        atlassian.sites(site);
        assertThat(connect().status()).isEqualTo(200);
        String token = lookup("site_id=" + site.id()).text("access_token");
        expire();
        atlassian.answer500(10);
        lookup("site_id=" + site.id());
        atlassian.recover();
        String renewed = lookup("site_id=" + site.id()).text("access_token");
        assertThat(logs.messages()).isNotEmpty().allSatisfy(message -> assertThat(message)
                .doesNotContain(token, renewed, FakeAtlassian.CLIENT_SECRET));
    }
}
