package gatehouse.ops;

import static gatehouse.testing.OAuthAssertions.isActive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Races the server can lose (docs/http.md, "The OAuth flows"): one refresh token or one code presented many times at
 * once, installation tokens issued side by side, and a burst of mixed good and bad requests that
 * must each get a timely non-5xx answer.
 */
class ConcurrencyIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("race");
    private final Fixtures.User user = tenant.user();
    private final String orgId = tenant.orgId();
    private final String scope = tenant.scope();

    @Test
    void refreshWhenSameRotatingTokenPresented50TimesAtOnceThenExactlyOneSucceedsAndFamilyRevoked() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope,
                "refresh_token_rotation", true, "refresh_token_grace_seconds", 0));
        JsonNode initial = exchange(app, authorizationCode(app));
        String refreshToken = initial.get("refresh_token").asText();

        List<Http.Response> responses = race(50, i -> Http.anonymous().postForm("/oauth/token",
                Http.form("grant_type", "refresh_token", "refresh_token", refreshToken), "Authorization", app.basic()));

        List<Http.Response> winners = responses.stream().filter(r -> r.status() == 200).toList();
        assertThat(winners).as("successful refreshes: %s", summary(responses)).hasSize(1);
        assertThat(responses).filteredOn(r -> r.status() != 200)
                .as("the losers: %s", summary(responses))
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(400);
                    assertThat(r.text("error")).isEqualTo("invalid_grant");
                });
        // Every loser presented a rotated (dead) token: reuse, so the whole family is revoked,
        // including what the winner just received.
        JsonNode won = winners.get(0).json();
        assertThat(isActive(app, won.get("refresh_token").asText())).as("winner's refresh token").isFalse();
        assertThat(isActive(app, won.get("access_token").asText())).as("winner's access token").isFalse();
        assertThat(isActive(app, initial.get("access_token").asText())).as("original access token").isFalse();
        Http.Response again = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", won.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(again.status()).as(again.body()).isEqualTo(400);
        assertThat(again.text("error")).isEqualTo("invalid_grant");
    }

    @Test
    void exchangeWhenSameCodePresented50TimesAtOnceThenExactlyOneSucceedsAndItsTokensRevoked() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));
        OAuthBrowser.Code code = authorizationCode(app);

        List<Http.Response> responses = race(50, i -> Http.anonymous().postForm("/oauth/token",
                Http.form("grant_type", "authorization_code", "code", code.code(), "redirect_uri", Fixtures.REDIRECT_URI,
                        "code_verifier", code.verifier()), "Authorization", app.basic()));

        List<Http.Response> winners = responses.stream().filter(r -> r.status() == 200).toList();
        assertThat(winners).as("successful exchanges: %s", summary(responses)).hasSize(1);
        assertThat(responses).filteredOn(r -> r.status() != 200)
                .as("the losers: %s", summary(responses))
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(400);
                    assertThat(r.text("error")).isEqualTo("invalid_grant");
                });
        // Replaying a used code revokes every token issued from it.
        JsonNode won = winners.get(0).json();
        assertThat(isActive(app, won.get("access_token").asText())).as("winner's access token").isFalse();
        assertThat(isActive(app, won.get("refresh_token").asText())).as("winner's refresh token").isFalse();
    }

    @Test
    void clientCredentialsWhen30InstallationTokensIssuedAtOnceThenExactlyOneStaysActive() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", scope));

        List<Http.Response> responses = race(30, i -> Http.anonymous().postForm("/oauth/token",
                Http.form("grant_type", "client_credentials", "organization_id", orgId), "Authorization", app.basic()));

        assertThat(responses).as(summary(responses)).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        List<String> tokens = responses.stream().map(r -> r.text("access_token")).toList();
        assertThat(tokens).doesNotHaveDuplicates();
        List<String> active = tokens.stream().filter(token -> isActive(app, token)).toList();
        assertThat(active).as("active installation tokens of (app, organization)").hasSize(1);
    }

    /**
     * An exchange reads its code or refresh token and takes the installation's lock in one statement,
     * then revokes the previous token and stores its own in the next: the snapshot of the second
     * must see what a concurrent exchange committed. Twenty codes of one user and app, each its own
     * family, exchanged at once: one access token stays active.
     */
    @Test
    void exchangeWhenTwentyCodesOfOneInstallationRedeemedAtOnceThenExactlyOneAccessTokenStaysActive() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));
        List<OAuthBrowser.Code> codes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            codes.add(authorizationCode(app));
        }

        List<Http.Response> responses = race(20, i -> Http.anonymous().postForm("/oauth/token",
                Http.form("grant_type", "authorization_code", "code", codes.get(i).code(), "redirect_uri",
                        Fixtures.REDIRECT_URI, "code_verifier", codes.get(i).verifier()), "Authorization", app.basic()));

        assertThat(responses).as(summary(responses)).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        List<String> active = responses.stream().map(r -> r.text("access_token")).filter(t -> isActive(app, t)).toList();
        assertThat(active).as("active access tokens of (app, user)").hasSize(1);
    }

    /** The same through refreshes: ten families of one user and app, each refreshed at once. */
    @Test
    void refreshWhenTenFamiliesOfOneInstallationRefreshAtOnceThenExactlyOneAccessTokenStaysActive() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope,
                "refresh_token_rotation", true, "refresh_token_grace_seconds", 0));
        List<String> refreshTokens = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            refreshTokens.add(exchange(app, authorizationCode(app)).get("refresh_token").asText());
        }

        List<Http.Response> responses = race(10, i -> Http.anonymous().postForm("/oauth/token",
                Http.form("grant_type", "refresh_token", "refresh_token", refreshTokens.get(i)), "Authorization", app.basic()));

        assertThat(responses).as(summary(responses)).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        List<String> active = responses.stream().map(r -> r.text("access_token")).filter(t -> isActive(app, t)).toList();
        assertThat(active).as("active access tokens of (app, user)").hasSize(1);
        assertThat(responses).as("every family keeps its new refresh token")
                .allSatisfy(r -> assertThat(isActive(app, r.text("refresh_token"))).isTrue());
    }

    /**
     * PostgreSQL may pick an exchange as a deadlock victim (or its lock wait may time out): the
     * transaction rolled back, so the answer is 503 temporarily_unavailable — retry — and the code
     * is still unused. A trigger stands for the deadlock, for this app's family only.
     */
    @Test
    void exchangeWhenChosenAsDeadlockVictimThen503AndTheSameCodeWorksWhenRetried() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));
        OAuthBrowser.Code code = authorizationCode(app);
        var database = TestServer.get().app().database();
        String trigger = "deadlock_test_" + Long.toHexString(System.nanoTime());
        database.withHandle(handle -> {
            handle.execute("CREATE FUNCTION " + trigger + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$");
            handle.execute("CREATE TRIGGER " + trigger + " BEFORE INSERT ON token_grants FOR EACH ROW WHEN (NEW.client_id = '"
                    + app.clientId() + "') EXECUTE FUNCTION " + trigger + "()");
            return null;
        });
        Http.Response refused;
        try {
            refused = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code.code(),
                    "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", code.verifier()), "Authorization", app.basic());
        } finally {
            database.withHandle(handle -> {
                handle.execute("DROP TRIGGER " + trigger + " ON token_grants");
                handle.execute("DROP FUNCTION " + trigger + "()");
                return null;
            });
        }

        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.text("error")).isEqualTo("temporarily_unavailable");
        assertThat(exchange(app, code).get("access_token").asText()).isNotEmpty();
    }

    /**
     * 2,000 quick requests from 32 threads, good and bad (wrong methods, malformed bodies, unknown
     * paths, failed authentication): each must come back within 10 s, and none may be a 5xx.
     */
    @Test
    void mixedRequestsWhen2000SentFrom32ThreadsThenEachAnsweredPromptlyAndNone5xx() throws Exception {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", scope));
        String token = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()).text("access_token");
        assertThat(token).isNotNull();
        String base = TestServer.get().baseUrl();
        String form = "application/x-www-form-urlencoded";
        String json = "application/json";
        String wrongSecret = Http.basic(app.clientId(), "fosec_wrong");
        List<Call> kinds = List.of(
                new Call("POST", "/oauth/token", form, "grant_type=client_credentials", "Authorization", app.basic()),
                new Call("POST", "/oauth/introspect", form, "token=" + token, "Authorization", app.basic()),
                new Call("GET", "/no/such/path", null, null),
                new Call("DELETE", "/oauth/token", null, null),
                new Call("DELETE", "/oauth/token", form, "grant_type=client_credentials", "Authorization", app.basic()),
                new Call("PATCH", "/api/v1/orgs", json, "{\"name\":\"x\"}"),
                new Call("POST", "/oauth/token", form, "grant_type=%zz&scope=%", "Authorization", app.basic()),
                new Call("POST", "/api/v1/orgs", json, "{\"name\": "),
                new Call("POST", "/oauth/token", json, "{\"grant_type\":\"client_credentials\"}", "Authorization", app.basic()),
                new Call("GET", "/oauth/token", null, null),
                new Call("PUT", "/oauth/introspect", form, "token=" + token, "Authorization", app.basic()),
                new Call("POST", "/oauth/token", form, "grant_type=client_credentials", "Authorization", wrongSecret),
                new Call("GET", "/health", null, null),
                new Call("DELETE", "/oauth/token", form, "grant_type=client_credentials"),
                new Call("GET", "/.well-known/oauth-authorization-server", null, null),
                new Call("POST", "/api/v1/auth/login", json, "{\"username\": [1, 2"),
                new Call("PATCH", "/oauth/token", form, "grant_type=client_credentials", "Authorization", app.basic()),
                new Call("POST", "/oauth/introspect", form, "token=not-a-token", "Authorization", app.basic()),
                new Call("DELETE", "/api/v1/orgs", null, null),
                new Call("POST", "/oauth/token", null, null),
                new Call("DELETE", "/oauth/introspect", form, "token=" + token),
                new Call("POST", "/oauth/revoke", form, "token=%ZZ%", "Authorization", app.basic()),
                new Call("PUT", "/oauth/token", json, "{}"),
                new Call("DELETE", "/oauth/authorize", null, null),
                new Call("GET", "/oauth/authorize?client_id=nope&client_id=dup", null, null),
                new Call("POST", "/oauth/token", "text/plain", "\u0000\u0001garbage"));

        int total = 2_000;
        int threads = 32;
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        Call call = kinds.get(i % kinds.size());
                        String outcome = call.send(client, base);
                        if (outcome != null) {
                            failures.add(call + " -> " + outcome);
                        }
                    }
                    client.close();
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("requests that timed out, failed or answered 5xx").isEmpty();
    }

    /** One request of the burst; {@link #send} answers null when it went well. */
    private record Call(String method, String path, String contentType, String body, String... headers) {
        String send(HttpClient client, String base) {
            var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (contentType != null) {
                builder.header("Content-Type", contentType);
            }
            for (int i = 0; i + 1 < headers.length; i += 2) {
                builder.header(headers[i], headers[i + 1]);
            }
            try {
                HttpResponse<String> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
                return response.statusCode() >= 500 ? response.statusCode() + " " + response.body() : null;
            } catch (HttpTimeoutException e) {
                return "no answer within 10 s";
            } catch (IOException e) {
                return e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }

        @Override
        public String toString() {
            return method + " " + path + (contentType == null ? "" : " (" + contentType + ")");
        }
    }

    private OAuthBrowser.Code authorizationCode(Fixtures.App app) {
        return new OAuthBrowser(user).authorizationCode(app, scope);
    }

    private static JsonNode exchange(Fixtures.App app, OAuthBrowser.Code code) {
        return app.exchange(code);
    }

    /** Runs {@code n} requests released at the same instant, each on its own thread and connection. */
    private static List<Http.Response> race(int n, IntFunction<Http.Response> request) {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Http.Response>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return request.apply(index);
                }));
            }
            ready.await(30, TimeUnit.SECONDS);
            go.countDown();
            List<Http.Response> responses = new ArrayList<>();
            for (Future<Http.Response> future : futures) {
                responses.add(future.get(60, TimeUnit.SECONDS));
            }
            return responses;
        } catch (Exception e) {
            throw new AssertionError("a racing request failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String summary(List<Http.Response> responses) {
        Map<String, Long> counts = new TreeMap<>();
        for (Http.Response r : responses) {
            String key = r.status() + (r.status() == 200 ? "" : " " + errorOf(r));
            counts.merge(key, 1L, Long::sum);
        }
        return counts.toString();
    }

    private static String errorOf(Http.Response response) {
        try {
            return response.text("error");
        } catch (AssertionError notJson) {
            return response.body();
        }
    }
}
