package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped provider definition end to end (docs/vault-definitions.md): a generic fake provider
 * that behaves exactly as the definition says is connected, looked up, refreshed twice (rotating or
 * not), called through the proxy (its API base, the connection's token), and disconnected (revoked at the provider when the definition
 * can).
 */
class DefinedProvidersIT {
    private static final Map<String, FakeDefinedProvider> FAKES = new LinkedHashMap<>();
    private static String database;
    private static TestServer server;
    private static Http admin;
    private static String serviceToken;

    static Stream<String> definitions() {
        return ProviderDefinitions.load(null, false, Duration.ofDays(1)).values().stream()
                .filter(ProviderDefinition::isGeneric).map(ProviderDefinition::name);
    }

    @BeforeAll
    static void start() {
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_DATABASE_URL", database);
        definitions().forEach(name -> {
            var fake = new FakeDefinedProvider(ProviderDefinitions.load(null, false, Duration.ofDays(1)).get(name));
            FAKES.put(name, fake);
            env.putAll(fake.gatehouseSettings());
        });
        server = TestServer.start(env);
        admin = server.adminSession();
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Services"))).text("id");
        Http.Response app = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(owner, Map.of("grant_types",
                java.util.List.of("client_credentials"), "actor_modes", java.util.List.of("app"), "redirect_uris",
                java.util.List.of(), "scope", "connections:read")));
        serviceToken = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", Http.basic(app.text("client_id"), app.text("client_secret"))).text("access_token");
    }

    @AfterAll
    static void stop() {
        server.close();
        FAKES.values().forEach(FakeDefinedProvider::close);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("definitions")
    void connectLookUpRefreshProxyAndDisconnect(String name) throws Exception {
        FakeDefinedProvider fake = FAKES.get(name);
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");

        Http.Response started = ConnectPage.start(admin, name, "organization_id=" + org + fake.connectQuery());
        assertThat(started.status()).as(started.body()).isEqualTo(302);
        assertThat(started.location()).startsWith(fake.url());
        Http.Response consented = Http.anonymous().get(started.location());
        assertThat(consented.status()).as(consented.body()).isEqualTo(302);
        Http.Response callback = admin.get(consented.location());
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        JsonNode connection = callback.json().get("connections").get(0);
        assertThat(connection.get("platform").asText()).isEqualTo(name);
        assertThat(connection.get("external_id").asText()).isEqualTo(fake.accountId());

        String first = lookup(name, org).text("access_token");
        assertThat(fake.accepts(first)).isTrue();

        expire(org);
        String second = lookup(name, org).text("access_token");
        assertThat(second).isNotEqualTo(first);
        assertThat(fake.accepts(second)).isTrue();
        expire(org);
        String third = lookup(name, org).text("access_token");
        assertThat(third).isNotEqualTo(second);
        assertThat(fake.refreshes()).isEqualTo(2);

        Http.Response proxied = Http.anonymous(server.baseUrl()).get("/proxy/" + name + "/things/1?page=2&organization_id=" + org,
                "Authorization", "Bearer " + serviceToken);
        assertThat(proxied.status()).as(proxied.body()).isEqualTo(200);
        assertThat(proxied.json().get("path").asText()).isEqualTo(fake.apiPath("/things/1"));
        assertThat(proxied.json().get("headers").get("authorization").asText()).isEqualTo("Bearer " + third);

        Http.Response disconnected = admin.delete("/api/v1/connections/" + connection.get("id").asText());
        assertThat(disconnected.status()).isEqualTo(204);
        if (ProviderDefinitions.load(null, false, Duration.ofDays(1)).get(name).revocation() != null) {
            assertThat(fake.revoked()).as("revoked at the provider").hasSize(1);
            assertThat(fake.accepts(third)).isFalse();
        }
        assertThat(lookup(name, org).status()).isEqualTo(404);
    }

    @Test
    void theConfirmationPageAsksForATenantSubdomainAndRefusesABadOne() {
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        Http.Response page = admin.get("/oauth/install/zendesk?organization_id=" + org, "Accept", "text/html");
        assertThat(page.status()).isEqualTo(200);
        assertThat(Jsoup.parse(page.body()).select("input[name=subdomain][type=text]")).hasSize(1);

        Http.Response bad = admin.postForm("/oauth/install/zendesk", Http.form("organization_id", org,
                "subdomain", "evil.example.com/x", "csrf_token", admin.csrf()));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).isEqualTo("validation_failed");
        Http.Response missing = admin.postForm("/oauth/install/zendesk", Http.form("organization_id", org,
                "csrf_token", admin.csrf()));
        assertThat(missing.status()).isEqualTo(400);
    }

    private static Http.Response lookup(String name, String org) {
        return admin.get("/oauth/token/" + name + "?organization_id=" + org);
    }

    private static void expire(String org) throws Exception {
        try (var connection = DriverManager.getConnection(database)) {
            connection.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
    }
}
