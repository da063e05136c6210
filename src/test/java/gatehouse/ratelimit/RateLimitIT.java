package gatehouse.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Endpoint budgets per app and per credential (docs/http.md, "The management API"), on a server of its own with tiny budgets. */
class RateLimitIT {
    private static TestServer server;
    private static Http api;

    @BeforeAll
    static void startServer() {
        // Trusting the loopback peer lets a test speak from other addresses through X-Forwarded-For.
        server = TestServer.start(Map.of("GATEHOUSE_RATE_LIMIT_TOKEN_PER_MINUTE", "3",
                "GATEHOUSE_RATE_LIMIT_INTROSPECT_PER_MINUTE", "3", "GATEHOUSE_RATE_LIMIT_REVOKE_PER_MINUTE", "3",
                "GATEHOUSE_RATE_LIMIT_API_PER_MINUTE", "3", "GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"));
        api = Http.anonymous(server.baseUrl());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static Fixtures.App serviceApp() {
        return Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()), Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
    }

    private static Http.Response token(Fixtures.App app) {
        return api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"), "Authorization", app.basic());
    }

    @Test
    void tokenEndpointBurstGets429WithRetryAfterAndRateLimitHeaders() {
        Fixtures.App app = serviceApp();
        Http.Response first = token(app);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("RateLimit-Limit")).isEqualTo("3");
        assertThat(first.header("RateLimit-Remaining")).isEqualTo("2");
        assertThat(Long.parseLong(first.header("RateLimit-Reset"))).isBetween(1L, 61L);
        assertThat(token(app).header("RateLimit-Remaining")).isEqualTo("1");
        assertThat(token(app).header("RateLimit-Remaining")).isEqualTo("0");

        Http.Response refused = token(app);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.text("error")).isEqualTo("rate_limit_exceeded");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 61L);
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");

        // Budgets are per app: another app is unaffected.
        assertThat(token(serviceApp()).status()).isEqualTo(200);
    }

    @Test
    void badSecretsAndFailedGrantsNeverSpendTheAppsTokenBudget() {
        Fixtures.App app = serviceApp();
        // The last character changed to another one (always another: "x" when it was not already "x").
        char last = app.secret().charAt(app.secret().length() - 1);
        String wrongSecret = Http.basic(app.clientId(), app.secret().substring(0, app.secret().length() - 1)
                + (last == 'x' ? "y" : "x"));
        for (int i = 0; i < 4; i++) {
            assertThat(api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                    "Authorization", wrongSecret).status()).isEqualTo(401);
            Http.Response badGrant = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                    "refresh_token", "not-a-refresh-token"), "Authorization", app.basic());
            assertThat(badGrant.status()).isEqualTo(400);
            // The answer to a failed request still says how much budget is left, and it is all of it.
            assertThat(badGrant.header("RateLimit-Remaining")).isEqualTo("3");
            assertThat(api.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                    "scope", "no-such-scope-" + i), "Authorization", app.basic()).status()).isEqualTo(400);
        }

        assertThat(token(app).header("RateLimit-Remaining")).isEqualTo("2");
        assertThat(token(app).header("RateLimit-Remaining")).isEqualTo("1");
        assertThat(token(app).header("RateLimit-Remaining")).isEqualTo("0");
        Http.Response refused = token(app);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 61L);
    }

    @Test
    void introspectionsWithoutATokenDoNotSpendTheBudgetButAnsweredOnesDo() {
        Fixtures.App app = serviceApp();
        for (int i = 0; i < 4; i++) {
            assertThat(api.postForm("/oauth/introspect", Http.form("token_type_hint", "access_token"),
                    "Authorization", app.basic()).status()).isEqualTo(400);
        }
        for (int i = 2; i >= 0; i--) {
            Http.Response answered = api.postForm("/oauth/introspect", Http.form("token", "fo_not_a_token"),
                    "Authorization", app.basic());
            assertThat(answered.status()).isEqualTo(200);
            assertThat(answered.header("RateLimit-Remaining")).isEqualTo(Integer.toString(i));
        }
        assertThat(api.postForm("/oauth/introspect", Http.form("token", "fo_not_a_token"),
                "Authorization", app.basic()).status()).isEqualTo(429);
    }

    @Test
    void publicAppBudgetIsKeptPerCallerIpSoOneCallerCannotExhaustItForEveryone() {
        Fixtures.App publicApp = Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()),
                Map.of("confidential", false));
        String revoke = Http.form("client_id", publicApp.clientId(), "token", "fo_unknown_token");
        for (int i = 0; i < 3; i++) {
            assertThat(api.postForm("/oauth/revoke", revoke, "X-Forwarded-For", "203.0.113.7").status()).isEqualTo(200);
        }
        Http.Response refused = api.postForm("/oauth/revoke", revoke, "X-Forwarded-For", "203.0.113.7");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();

        Http.Response elsewhere = api.postForm("/oauth/revoke", revoke, "X-Forwarded-For", "198.51.100.20");
        assertThat(elsewhere.status()).isEqualTo(200);
        assertThat(elsewhere.header("RateLimit-Remaining")).isEqualTo("2");
    }

    @Test
    void rateLimitsEndpointShowsAnAppItsBudgetsWithoutSpendingThem() {
        Fixtures.App app = serviceApp();
        token(app);
        JsonNode limits = api.get("/api/v1/oauth/rate-limits", "Authorization", app.basic()).json().get("limits");
        assertThat(limits).extracting(l -> l.get("name").asText()).containsExactly("token", "introspection", "revocation");
        JsonNode tokenLimit = limits.get(0);
        assertThat(tokenLimit.get("limit").asInt()).isEqualTo(3);
        assertThat(tokenLimit.get("remaining").asInt()).isEqualTo(2);
        assertThat(tokenLimit.get("window_seconds").asInt()).isEqualTo(60);
        JsonNode again = api.get("/api/v1/oauth/rate-limits", "Authorization", app.basic()).json().get("limits").get(0);
        assertThat(again.get("remaining").asInt()).isEqualTo(2);
    }

    @Test
    void managementApiIsLimitedPerSession() {
        var user = Fixtures.newUser();
        Http session = Http.browser(server.baseUrl());
        String csrf = session.postJson("/api/v1/auth/login", Map.of("username", user.username(),
                "password", user.password())).text("csrf_token");
        session.csrf(csrf);
        for (int i = 0; i < 3; i++) {
            assertThat(session.get("/api/v1/users/me").status()).isEqualTo(200);
        }
        Http.Response refused = session.get("/api/v1/users/me");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();
    }

    @Test
    void consolePagesSpendTheSameBudgetPerSession() {
        var user = Fixtures.newUser();
        Http session = Http.browser(server.baseUrl());
        assertThat(session.postJson("/api/v1/auth/login", Map.of("username", user.username(),
                "password", user.password())).status()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            assertThat(session.get("/account").status()).isEqualTo(200);
        }
        Http.Response refused = session.get("/account");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Content-Type")).startsWith("text/html");
        assertThat(refused.header("Retry-After")).isNotNull();
    }

    @Test
    void exceededBudgetIsAuditedOncePerWindowNotOncePerRefusal() {
        Fixtures.App app = serviceApp();
        for (int i = 0; i < 6; i++) {
            token(app);
        }
        JsonNode entries = Fixtures.admin().get("/api/v1/audit-logs?limit=200&action=rate_limit.exceeded&client_id="
                + app.clientId()).json().get("data");
        assertThat(entries).hasSize(1);
        JsonNode entry = entries.get(0);
        assertThat(entry.get("outcome").asText()).isEqualTo("failure");
        assertThat(entry.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(entry.get("details").get("limit").asText()).isEqualTo("token");
    }
}
