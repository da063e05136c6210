package gatehouse.users;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Registration is throttled per IP and hashes a password last; Argon2 work waits in a bounded queue
 * and a full queue answers 503 with Retry-After at once (login, registration, password grant).
 * On a server of its own with a small registration budget; the loopback peer is a trusted proxy,
 * so a test can speak from other addresses through X-Forwarded-For.
 */
class RegistrationAndHashingLimitsIT {
    private static final String USERS = "/api/v1/users";
    private static TestServer server;
    private static Http api;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(Map.of("GATEHOUSE_RATE_LIMIT_REGISTRATIONS_PER_IP", "3",
                "GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"));
        api = Http.anonymous(server.baseUrl());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static Http.Response register(String ip, String username, String password) {
        return api.postJson(USERS, Map.of("username", username, "password", password), "X-Forwarded-For", ip);
    }

    private static String newUsername() {
        return Fixtures.unique("reg") + "@example.test";
    }

    @Test
    void registrationsFromOneAddressAreThrottledButNotFromAnotherNorByAnAdmin() {
        for (int i = 0; i < 3; i++) {
            assertThat(register("203.0.113.40", newUsername(), "long-enough-pw-" + i).status()).isEqualTo(201);
        }
        Http.Response refused = register("203.0.113.40", newUsername(), "long-enough-pw-4");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.text("error")).isEqualTo("rate_limit_exceeded");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 3601L);
        // Bad input is still told as such: the cheap checks come before the budget.
        assertThat(register("203.0.113.40", "not-an-email", "long-enough-pw-5").status()).isEqualTo(400);

        assertThat(register("198.51.100.40", newUsername(), "long-enough-pw-6").status()).isEqualTo(201);

        Http admin = Http.browser(server.baseUrl());
        admin.csrf(admin.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD)).text("csrf_token"));
        assertThat(admin.postJson(USERS, Map.of("username", newUsername(), "password", "long-enough-pw-7"),
                "X-Forwarded-For", "203.0.113.40").status()).isEqualTo(201);
    }

    @Test
    void whileNoHashCanRunATakenUsernameIsStillRefusedWith409BecauseItIsCheckedBeforeHashing() throws Exception {
        var existing = Fixtures.newUser();
        try (AutoCloseable occupied = Passwords.occupyHashingPool(1, 1)) {
            Http.Response taken = register("192.0.2.50", existing.username(), "long-enough-pw-1");
            assertThat(taken.status()).as(taken.body()).isEqualTo(409);

            Http.Response fresh = register("192.0.2.51", newUsername(), "long-enough-pw-1");
            assertThat(fresh.status()).as(fresh.body()).isEqualTo(503);
            assertThat(fresh.text("error")).isEqualTo("temporarily_unavailable");
            assertThat(fresh.header("Retry-After")).isNotNull();
        }
    }

    @Test
    void aFullHashingQueueAnswers503WithRetryAfterForLoginRegistrationAndPasswordGrantAlike() throws Exception {
        var user = Fixtures.newUser();
        Fixtures.App app = Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()),
                Map.of("grant_types", List.of("password")));
        try (AutoCloseable occupied = Passwords.occupyHashingPool(1, 1)) {
            List<Http.Response> answers = List.of(
                    api.postJson("/api/v1/auth/login", Map.of("username", user.username(), "password", user.password())),
                    register("192.0.2.52", newUsername(), "long-enough-pw-1"),
                    api.postForm("/oauth/token", Http.form("grant_type", "password", "username", user.username(),
                            "password", user.password()), "Authorization", app.basic()));
            for (Http.Response answer : answers) {
                assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                assertThat(answer.text("error")).isEqualTo("temporarily_unavailable");
                assertThat(Long.parseLong(answer.header("Retry-After"))).isPositive();
            }
        }
        // Not counted as a failed login, and served again once the queue has room.
        assertThat(api.postJson("/api/v1/auth/login", Map.of("username", user.username(), "password",
                user.password())).status()).isEqualTo(200);
    }

    @Test
    void manyConcurrentLoginsBeyondTheQueueGet503AtOnceNeverA500OrAHang() throws Exception {
        var user = Fixtures.newUser();
        List<Integer> statuses = new ArrayList<>();
        List<Http.Response> refusals = new ArrayList<>();
        try (AutoCloseable small = Passwords.useHashingPool(1, 1);
             var callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Http.Response>> logins = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                logins.add(callers.submit(() -> Http.anonymous(server.baseUrl()).postJson("/api/v1/auth/login",
                        Map.of("username", user.username(), "password", user.password()))));
            }
            for (Future<Http.Response> login : logins) {
                Http.Response response = login.get(30, TimeUnit.SECONDS);
                statuses.add(response.status());
                if (response.status() == 503) {
                    refusals.add(response);
                }
            }
        }
        assertThat(statuses).containsOnly(200, 503).contains(200);
        assertThat(refusals).isNotEmpty().allSatisfy(refusal -> {
            assertThat(refusal.text("error")).isEqualTo("temporarily_unavailable");
            assertThat(refusal.header("Retry-After")).isNotNull();
        });
    }
}
