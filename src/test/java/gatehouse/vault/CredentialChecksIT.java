package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import gatehouse.web.Json;
import gatehouse.webhooks.WebhookReceiver;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scheduled credential checks and the connection events of the vault's own life (docs/vault-events.md),
 * against a GitLab-shaped fake: a grant revoked at the provider shows needs_reauth before any caller
 * asks; a passing check is recorded; a token nothing can renew is announced as expiring once; renewals
 * and transient failures are announced; /oauth/status and /metrics show the checks.
 */
class CredentialChecksIT {
    private static final String EVENTS_SECRET = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    private static FakeDefinedProvider gitlab;
    private static WebhookReceiver saas;
    private static String database;
    private static TestServer server;
    private static Http admin;

    @BeforeAll
    static void start() {
        gitlab = new FakeDefinedProvider(ProviderDefinitions.load(null, false, Duration.ofDays(1)).get("gitlab"));
        saas = new WebhookReceiver();
        saas.secret(EVENTS_SECRET);
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>(gitlab.gatehouseSettings());
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.put("GATEHOUSE_EVENTS_WEBHOOK_URL", saas.url());
        env.put("GATEHOUSE_EVENTS_WEBHOOK_SECRET", EVENTS_SECRET);
        env.put("GATEHOUSE_EVENTS_WEBHOOK_EVENTS", "connection.created connection.refreshed connection.refresh_failed"
                + " connection.needs_reauth connection.revoked connection.expiring");
        server = TestServer.start(env);
        admin = server.adminSession();
    }

    @AfterAll
    static void stop() {
        server.close();
        gitlab.close();
        saas.close();
    }

    @Test
    void aGrantRevokedAtTheProviderNeedsReauthorizationBeforeAnyCallerAsks() throws Exception {
        String org = connect();
        sql("UPDATE vault_credentials SET check_due_at = now() - interval '1 minute'" + ofOrg(org));
        gitlab.revokeEverything();
        server.app().vaultRefresher().runOnce();
        assertThat(status(org)).isEqualTo("needs_reauth");
        JsonNode event = event("connection.needs_reauth", org);
        assertThat(event.get("data").get("error").asText()).startsWith("check_failed:");
        assertThat(event.get("data").get("connection").get("status").asText()).isEqualTo("needs_reauth");

        JsonNode status = admin.get("/oauth/status").json().get("platforms").get("gitlab");
        assertThat(status.get("check_failures_24h").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(admin.get("/metrics").body()).contains("gatehouse_vault_checks_total{outcome=\"refused\",platform=\"gitlab\"");
    }

    @Test
    void aPassingCheckIsRecordedAndTheNextOneScheduled() throws Exception {
        String org = connect();
        sql("UPDATE vault_credentials SET check_due_at = now() - interval '1 minute'" + ofOrg(org));
        server.app().vaultRefresher().runOnce();
        assertThat(status(org)).isEqualTo("active");
        assertThat(admin.get("/oauth/status").json().get("platforms").get("gitlab").get("last_checked_at").isNull()).isFalse();
        try (var db = DriverManager.getConnection(database);
             var rows = db.createStatement().executeQuery("SELECT check_due_at > now() + interval '23 hours' FROM vault_credentials"
                     + ofOrg(org))) {
            rows.next();
            assertThat(rows.getBoolean(1)).as("next check a day later").isTrue();
        }
    }

    @Test
    void aTransientFailureLeavesTheConnectionActive() throws Exception {
        String org = connect();
        sql("UPDATE vault_credentials SET check_due_at = now() - interval '1 minute'" + ofOrg(org));
        gitlab.failNext(1, 503);
        server.app().vaultRefresher().runOnce();
        gitlab.heal();
        assertThat(status(org)).isEqualTo("active");
    }

    @Test
    void aTokenNothingCanRenewIsAnnouncedAsExpiringOnce() throws Exception {
        String org = connect();
        sql("UPDATE vault_credentials SET refreshable = false, expires_at = now() + interval '3 days'" + ofOrg(org));
        server.app().vaultRefresher().runOnce();
        server.app().vaultRefresher().runOnce();
        event("connection.expiring", org);
        Thread.sleep(500);
        assertThat(events("connection.expiring", org)).hasSize(1);
    }

    @Test
    void renewalsAndTransientRefreshFailuresAreAnnounced() throws Exception {
        String org = connect();
        event("connection.created", org);
        sql("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'" + ofOrg(org));
        assertThat(admin.get("/oauth/token/gitlab?organization_id=" + org).status()).isEqualTo(200);
        event("connection.refreshed", org);

        sql("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'" + ofOrg(org));
        gitlab.failNext(1, 503);
        assertThat(admin.get("/oauth/token/gitlab?organization_id=" + org).status()).isEqualTo(503);
        gitlab.heal();
        assertThat(event("connection.refresh_failed", org).get("data").get("error").asText()).isEqualTo("http_503");
        assertThat(status(org)).isEqualTo("active");
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static String connect() {
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        Http.Response started = ConnectPage.start(admin, "gitlab", "organization_id=" + org);
        Http.Response consented = Http.anonymous().get(started.location());
        assertThat(admin.get(consented.location()).status()).isEqualTo(200);
        return org;
    }

    private static String ofOrg(String org) {
        return " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')";
    }

    private static void sql(String statement) throws Exception {
        try (var db = DriverManager.getConnection(database)) {
            db.createStatement().execute(statement);
        }
    }

    private static String status(String org) {
        return admin.get("/api/v1/connections?organization_id=" + org).json().get("data").get(0).get("status").asText();
    }

    private static List<JsonNode> events(String type, String org) {
        return saas.acknowledged().stream().map(received -> read(received.body()))
                .filter(event -> event.get("type").asText().equals(type) && event.get("organization_id").asText().equals(org))
                .toList();
    }

    private static JsonNode event(String type, String org) {
        assertThat(Eventually.holdsWithin(Duration.ofSeconds(10), () -> !events(type, org).isEmpty()))
                .as("the SaaS-wide endpoint heard %s about %s", type, org).isTrue();
        JsonNode event = events(type, org).getFirst();
        assertThat(event.toString()).doesNotContain("gitlab_at_").doesNotContain("gitlab_rt_");
        return event;
    }

    private static JsonNode read(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
