package gatehouse.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Login lockout per account and per IP (docs/http.md, "The management API"), on a server of its own with small budgets. */
class LoginLockoutIT {
    private TestServer server;
    private Http api;

    @BeforeEach
    void startServer() {
        // Trusting the loopback peer lets a test speak from other addresses through X-Forwarded-For.
        server = TestServer.start(Map.of("GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "3",
                "GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_IP", "6", "GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"));
        api = Http.browser(server.baseUrl());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private Http.Response login(String username, String password) {
        return api.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
    }

    private Http.Response loginFrom(String ip, String username, String password) {
        return api.postJson("/api/v1/auth/login", Map.of("username", username, "password", password),
                "X-Forwarded-For", ip);
    }

    @Test
    void failuresFromOneAddressLockTheAccountThereOnlyAndItsOwnerStillSignsInFromAnother() {
        var user = Fixtures.newUser();
        for (int i = 0; i < 3; i++) {
            assertThat(loginFrom("203.0.113.5", user.username(), "wrong-password-" + i).status()).isEqualTo(401);
        }
        assertThat(loginFrom("203.0.113.5", user.username(), user.password()).status()).isEqualTo(429);
        assertThat(loginFrom("198.51.100.9", user.username(), user.password()).status()).isEqualTo(200);

        // Not even the bootstrap admin can be locked out by someone else's address.
        for (int i = 0; i < 4; i++) {
            loginFrom("203.0.113.66", TestServer.ADMIN_USERNAME, "wrong-password-" + i);
        }
        assertThat(loginFrom("203.0.113.66", TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD).status()).isEqualTo(429);
        assertThat(login(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void repeatedBadPasswordsLockTheAccountAndTheRightPasswordIsThenRefusedToo() {
        var user = Fixtures.newUser();
        for (int i = 0; i < 3; i++) {
            assertThat(login(user.username(), "wrong-password-" + i).status()).isEqualTo(401);
        }
        Http.Response locked = login(user.username(), user.password());
        assertThat(locked.status()).isEqualTo(429);
        assertThat(locked.text("error")).isEqualTo("rate_limit_exceeded");
        assertThat(Long.parseLong(locked.header("Retry-After"))).isBetween(1L, 15 * 60L + 1);

        Fixtures.App app = Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()),
                Map.of("grant_types", List.of("password")));
        Http.Response grant = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type", "password",
                "username", user.username(), "password", user.password()), "Authorization", app.basic());
        assertThat(grant.status()).isEqualTo(429);

        // Another account from the same IP is not locked by this one's failures alone.
        var other = Fixtures.newUser();
        assertThat(login(other.username(), other.password()).status()).isEqualTo(200);
    }

    @Test
    void unknownAccountIsLockedTheSameWaySoTheAnswerTellsNothing() {
        var user = Fixtures.newUser();
        String unknown = Fixtures.unique("ghost") + "@example.test";
        for (int i = 0; i < 3; i++) {
            login(user.username(), "wrong-password-" + i);
            login(unknown, "wrong-password-" + i);
        }
        Http.Response real = login(user.username(), "another-wrong-1");
        Http.Response ghost = login(unknown, "another-wrong-1");
        assertThat(real.status()).isEqualTo(429);
        assertThat(ghost.status()).isEqualTo(429);
        assertThat(ghost.body()).isEqualTo(real.body());
    }

    @Test
    void failuresSpreadOverAccountsLockTheIpAndTheHtmlLoginSaysSo() {
        for (int i = 0; i < 6; i++) {
            assertThat(login(Fixtures.unique("spray") + "@example.test", "wrong-password-x").status()).isEqualTo(401);
        }
        var fresh = Fixtures.newUser();
        assertThat(login(fresh.username(), fresh.password()).status()).isEqualTo(429);

        Http browser = Http.browser(server.baseUrl());
        var page = browser.get("/login");
        String csrf = Jsoup.parse(page.body()).selectFirst("input[name=csrf_token]").attr("value");
        var form = browser.postForm("/login", Http.form("csrf_token", csrf, "username", fresh.username(),
                "password", fresh.password()));
        assertThat(form.status()).isEqualTo(429);
        assertThat(form.header("Retry-After")).isNotNull();
        assertThat(Jsoup.parse(form.body()).text()).contains("Too many failed sign-ins");
        // Audited once per lockout, not once per refused attempt.
        var audited = Fixtures.admin().get("/api/v1/audit-logs?limit=200&action=rate_limit.exceeded").json().get("data");
        long forFresh = StreamSupport.stream(audited.spliterator(), false)
                .filter(e -> e.path("details").path("username").asText().equals(fresh.username())).count();
        assertThat(forFresh).isEqualTo(1);
    }
}
