package gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/http.md, "Conventions": while PostgreSQL is unreachable, requests that need it answer {@code 503
 * temporarily_unavailable} promptly and {@code /health} answers 503; when the database is back,
 * Gatehouse serves again by itself, without a restart, and nothing it refused was committed.
 *
 * <p>The database is an embedded PostgreSQL of this test's own, on a fixed port and a kept data
 * directory, so it can be stopped and started again where Gatehouse expects it.
 */
class DatabaseOutageIT {
    /** How long any single request may take, up or down: no request may hang on a dead database. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path dataDir;

    @Test
    void requestsWhenDatabaseStopsThen503AndWhenItReturnsThenServedAgainWithoutRestart() throws Exception {
        int port = freePort();
        EmbeddedPostgres postgres = startPostgres(port);
        TestServer server = null;
        try {
            server = TestServer.start(Map.of("GATEHOUSE_DATABASE_URL",
                    "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres"));
            String base = server.baseUrl();
            Http api = Http.anonymous(base);
            Http admin = login(base);
            String orgId = created(admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org")))).text("id");
            Http.Response registered = created(admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(orgId,
                    Map.of("grant_types", List.of("client_credentials"), "actor_modes", List.of("app")))));
            String basic = Http.basic(registered.text("client_id"), registered.text("client_secret"));
            String before = issue(api, basic);
            assertThat(active(api, basic, before)).isTrue();

            postgres.close();

            // Right after the stop the pool still holds dead connections; later it has none.
            for (int attempt = 0; attempt < 2; attempt++) {
                Http.Response token = timed(() -> api.postForm("/oauth/token", "grant_type=client_credentials",
                        "Authorization", basic));
                assertUnavailable("POST /oauth/token (attempt " + attempt + ")", token);
            }
            Http.Response health = timed(() -> api.get("/health"));
            assertThat(health.status()).as("/health while down: %s", health.body()).isEqualTo(503);
            assertThat(health.json().path("checks").path("database").asText()).isNotEqualTo("ok");
            assertThat(health.json().path("status").asText()).isNotEqualTo("ok");
            assertUnavailable("POST /oauth/introspect",
                    timed(() -> api.postForm("/oauth/introspect", Http.form("token", before), "Authorization", basic)));
            assertUnavailable("GET /api/v1/orgs/{id}", timed(() -> admin.get("/api/v1/orgs/" + orgId)));
            // A burst while down: every request answered 503 in time, none left hanging on the pool.
            List<CompletableFuture<Http.Response>> burst = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                burst.add(CompletableFuture.supplyAsync(() -> timed(() -> Http.anonymous(base).postForm("/oauth/token",
                        "grant_type=client_credentials", "Authorization", basic)), THREADS));
            }
            for (CompletableFuture<Http.Response> request : burst) {
                assertUnavailable("POST /oauth/token (burst)", request.get(30, TimeUnit.SECONDS));
            }
            String lostName = Fixtures.unique("Lost");
            assertUnavailable("POST /api/v1/orgs",
                    timed(() -> admin.postJson("/api/v1/orgs", Map.of("name", lostName))));

            postgres = startPostgres(port);

            Http.Response healthy = awaitHealthy(api, Duration.ofSeconds(30));
            assertThat(healthy.json().path("checks").path("database").asText()).isEqualTo("ok");
            String after = issue(api, basic);
            assertThat(active(api, basic, after)).as("a token issued after the outage").isTrue();
            Http.Response org = timed(() -> admin.get("/api/v1/orgs/" + orgId));
            assertThat(org.status()).as("the session survived the outage: %s", org.body()).isEqualTo(200);
            JsonNode mine = timed(() -> admin.get("/api/v1/orgs?limit=200")).json();
            assertThat(mine.path("data").findValuesAsText("name"))
                    .as("the organization refused during the outage was not created").doesNotContain(lostName);
        } finally {
            if (server != null) {
                server.close();
            }
            postgres.close();
        }
    }

    private EmbeddedPostgres startPostgres(int port) throws IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir.resolve("pgdata"))
                .setCleanDataDirectory(false)
                .start();
    }

    private static Http login(String base) {
        Http session = Http.browser(base);
        Http.Response response = session.postJson("/api/v1/auth/login",
                Map.of("username", TestServer.ADMIN_USERNAME, "password", TestServer.ADMIN_PASSWORD));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return session.csrf(response.text("csrf_token"));
    }

    private static Http.Response created(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response;
    }

    private static String issue(Http api, String basic) {
        Http.Response token = timed(() -> api.postForm("/oauth/token", "grant_type=client_credentials",
                "Authorization", basic));
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    private static boolean active(Http api, String basic, String token) {
        Http.Response introspection = timed(() -> api.postForm("/oauth/introspect", Http.form("token", token),
                "Authorization", basic));
        assertThat(introspection.status()).as(introspection.body()).isEqualTo(200);
        return introspection.json().get("active").asBoolean();
    }

    private static void assertUnavailable(String request, Http.Response response) {
        assertThat(response.status()).as("%s while the database is down: %s", request, response.body()).isEqualTo(503);
        assertThat(response.header("Content-Type")).as(request).startsWith("application/json");
        assertThat(response.text("error")).as(request).isEqualTo("temporarily_unavailable");
    }

    /** Polls /health until it answers 200 (Gatehouse reconnects on its own) or {@code limit} passes. */
    private static Http.Response awaitHealthy(Http api, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Http.Response last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = timed(() -> api.get("/health"));
                if (last.status() == 200) {
                    return last;
                }
            } catch (AssertionError | UncheckedIOException stillDown) {
                // keep polling until the deadline
            }
            Thread.sleep(500);
        }
        throw new AssertionError("/health did not recover within " + limit + "; last answer: " + last);
    }

    /** Runs one request, failing if it takes longer than {@link #CLIENT_TIMEOUT}. */
    private static Http.Response timed(Supplier<Http.Response> request) {
        CompletableFuture<Http.Response> future = CompletableFuture.supplyAsync(request, THREADS);
        try {
            return future.get(CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("no answer within " + CLIENT_TIMEOUT, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
