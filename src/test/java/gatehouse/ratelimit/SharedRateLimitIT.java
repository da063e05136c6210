package gatehouse.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TcpProxy;
import gatehouse.testing.TestRedis;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With GATEHOUSE_REDIS_URL every node spends one budget (docs/http.md, "The management API"), and Redis going away never
 * takes Gatehouse with it: the nodes count alone meanwhile and /health says "degraded".
 * Redis is the one at GATEHOUSE_TEST_REDIS_URL or an embedded one; each test has its own key prefix.
 */
class SharedRateLimitIT {

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable closeable : started.reversed()) {
            closeable.close();
        }
    }

    private TestServer node(String redisUrl, String keyPrefix, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("GATEHOUSE_REDIS_URL", redisUrl);
        env.put("GATEHOUSE_REDIS_KEY_PREFIX", keyPrefix);
        TestServer server = TestServer.start(env);
        started.add(server::close);
        return server;
    }

    private static Fixtures.App serviceApp() {
        return Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()), Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
    }

    private static Http.Response token(TestServer node, Fixtures.App app) {
        return Http.anonymous(node.baseUrl()).postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
    }

    private static String redisHealth(TestServer node) {
        Http.Response health = Http.anonymous(node.baseUrl()).get("/health");
        assertThat(health.status()).isEqualTo(200);
        return health.json().path("checks").path("redis").asText();
    }

    @Test
    void twoNodesSharingRedisSpendOneTokenBudget() {
        String prefix = Fixtures.unique("gh-test-") + ":";
        Map<String, String> budget = Map.of("GATEHOUSE_RATE_LIMIT_TOKEN_PER_MINUTE", "4");
        TestServer a = node(TestRedis.url(), prefix, budget);
        TestServer b = node(TestRedis.url(), prefix, budget);
        Fixtures.App app = serviceApp();

        assertThat(token(a, app).header("RateLimit-Remaining")).isEqualTo("3");
        assertThat(token(b, app).header("RateLimit-Remaining")).isEqualTo("2");
        assertThat(token(a, app).header("RateLimit-Remaining")).isEqualTo("1");
        assertThat(token(b, app).header("RateLimit-Remaining")).isEqualTo("0");

        Http.Response refusedOnA = token(a, app);
        Http.Response refusedOnB = token(b, app);
        assertThat(refusedOnA.status()).isEqualTo(429);
        assertThat(refusedOnB.status()).isEqualTo(429);
        assertThat(Long.parseLong(refusedOnB.header("Retry-After"))).isBetween(1L, 61L);
        assertThat(redisHealth(a)).isEqualTo("ok");
    }

    @Test
    void failedLoginsOnTwoNodesLockTheAccountOnBoth() {
        String prefix = Fixtures.unique("gh-test-") + ":";
        Map<String, String> budget = Map.of("GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "3",
                "GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_IP", "1000");
        TestServer a = node(TestRedis.url(), prefix, budget);
        TestServer b = node(TestRedis.url(), prefix, budget);
        var user = Fixtures.newUser();

        assertThat(login(a, user.username(), "wrong-password-1").status()).isEqualTo(401);
        assertThat(login(b, user.username(), "wrong-password-2").status()).isEqualTo(401);
        assertThat(login(a, user.username(), "wrong-password-3").status()).isEqualTo(401);

        // Neither node alone saw three failures on the second node's side, yet both refuse.
        assertThat(login(b, user.username(), user.password()).status()).isEqualTo(429);
        assertThat(login(a, user.username(), user.password()).status()).isEqualTo(429);
    }

    private static Http.Response login(TestServer node, String username, String password) {
        return Http.browser(node.baseUrl()).postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
    }

    @Test
    void whenRedisStopsMidTestRequestsStillSucceedAndHealthSaysDegradedUntilItIsBack() throws Exception {
        TcpProxy redis = new TcpProxy(TestRedis.host(), TestRedis.port());
        started.add(redis);
        TestServer node = node("redis://127.0.0.1:" + redis.port(), Fixtures.unique("gh-test-") + ":",
                Map.of("GATEHOUSE_RATE_LIMIT_TOKEN_PER_MINUTE", "1000"));
        Fixtures.App app = serviceApp();
        assertThat(token(node, app).status()).isEqualTo(200);
        assertThat(redisHealth(node)).isEqualTo("ok");

        redis.cut();
        for (int i = 0; i < 5; i++) {
            Http.Response response = token(node, app);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("RateLimit-Limit")).isEqualTo("1000");
        }
        assertThat(redisHealth(node)).isEqualTo("degraded");

        redis.restore();
        Eventually.until(() -> redisHealth(node).equals("ok"));
        assertThat(token(node, app).status()).isEqualTo(200);
    }

    @Test
    void whenRedisIsDownAtStartupGatehouseStillStartsAndServesThenUsesRedisOnceItIsUp() throws Exception {
        TcpProxy redis = new TcpProxy(TestRedis.host(), TestRedis.port());
        started.add(redis);
        redis.cut();
        String prefix = Fixtures.unique("gh-test-") + ":";
        Map<String, String> budget = Map.of("GATEHOUSE_RATE_LIMIT_TOKEN_PER_MINUTE", "1000");
        TestServer node = node("redis://127.0.0.1:" + redis.port(), prefix, budget);
        Fixtures.App app = serviceApp();
        assertThat(token(node, app).status()).isEqualTo(200);
        assertThat(redisHealth(node)).isEqualTo("degraded");

        redis.restore();
        Eventually.until(() -> redisHealth(node).equals("ok"));
        // Shared from now on: a second node on the same Redis sees what the first one spends.
        TestServer other = node(TestRedis.url(), prefix, budget);
        Fixtures.App fresh = serviceApp();
        Eventually.until(() -> {
            long first = Long.parseLong(token(node, fresh).header("RateLimit-Remaining"));
            long second = Long.parseLong(token(other, fresh).header("RateLimit-Remaining"));
            return second == first - 1;
        });
    }
}
