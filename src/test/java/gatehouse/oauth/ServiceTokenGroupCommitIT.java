package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.secrets.TokenCodec;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Service tokens issued concurrently over HTTP (group commit, docs/architecture.md): every token
 * answered is active, stored once, and has its one {@code token.issued} audit entry with its
 * request's User-Agent; the same with GATEHOUSE_TOKEN_GROUP_COMMIT=false; and a server stopped
 * while issuing answers no token it did not store.
 */
class ServiceTokenGroupCommitIT {
    private static final int CLIENTS = 16;
    private static final int TOKENS_EACH = 25;

    private static Fixtures.App serviceApp(Http admin, String orgId) {
        return Fixtures.app(admin, orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of()));
    }

    /** Tokens by the User-Agent of the request that got them, from {@code CLIENTS} clients at once. */
    private static Map<String, List<String>> issueConcurrently(String baseUrl, Fixtures.App app) throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            var running = new ArrayList<CompletableFuture<List<String>>>();
            for (int c = 0; c < CLIENTS; c++) {
                String agent = "group-commit-client-" + c;
                running.add(CompletableFuture.supplyAsync(() -> issue(Http.anonymous(baseUrl), app, agent), clients));
            }
            var byAgent = new HashMap<String, List<String>>();
            for (int c = 0; c < CLIENTS; c++) {
                byAgent.put("group-commit-client-" + c, running.get(c).get());
            }
            return byAgent;
        }
    }

    private static List<String> issue(Http http, Fixtures.App app, String agent) {
        var tokens = new ArrayList<String>();
        for (int i = 0; i < TOKENS_EACH; i++) {
            Http.Response response = http.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                    "Authorization", app.basic(), "User-Agent", agent);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            tokens.add(response.text("access_token"));
        }
        return tokens;
    }

    private static void assertEachActiveStoredOnceAndAuditedOnce(TestServer server, Fixtures.App app,
                                                                 Map<String, List<String>> byAgent) {
        Http http = Http.anonymous(server.baseUrl());
        var database = server.app().database();
        for (var entry : byAgent.entrySet()) {
            for (String token : entry.getValue()) {
                var introspection = http.postForm("/oauth/introspect", Http.form("token", token), "Authorization", app.basic());
                assertThat(introspection.json().get("active").asBoolean()).as(introspection.body()).isTrue();
                var audited = database.withHandle(handle -> handle.createQuery("""
                                SELECT a.user_agent FROM access_tokens t JOIN audit_logs a
                                  ON a.action = 'token.issued' AND a.details ->> 'token_id' = t.id::text
                                WHERE t.token_hash = :hash""")
                        .bind("hash", TokenCodec.hash(token)).mapTo(String.class).list());
                assertThat(audited).as("one row, one audit entry from its own request").containsExactly(entry.getKey());
            }
        }
        long answered = byAgent.values().stream().mapToLong(List::size).sum();
        long stored = database.withHandle(handle -> handle.createQuery("SELECT count(*) FROM access_tokens WHERE client_id = :id")
                .bind("id", app.clientId()).mapTo(Long.class).one());
        long auditEntries = database.withHandle(handle -> handle.createQuery(
                        "SELECT count(*) FROM audit_logs WHERE action = 'token.issued' AND client_id = :id")
                .bind("id", app.clientId()).mapTo(Long.class).one());
        assertThat(stored).as("no row without an answer").isEqualTo(answered).isEqualTo((long) CLIENTS * TOKENS_EACH);
        assertThat(auditEntries).isEqualTo(answered);
    }

    @Test
    void concurrentServiceTokensAreEachActiveStoredOnceAndAuditedOnce() throws Exception {
        TestServer server = TestServer.get();
        Fixtures.App app = serviceApp(Fixtures.admin(), Fixtures.org(Fixtures.admin()));

        var byAgent = issueConcurrently(server.baseUrl(), app);

        assertEachActiveStoredOnceAndAuditedOnce(server, app, byAgent);
    }

    @Test
    void withGroupCommitOffConcurrentServiceTokensAreStillEachStoredOnceAndAuditedOnce() throws Exception {
        TestServer server = TestServer.start(Map.of("GATEHOUSE_TOKEN_GROUP_COMMIT", "false"));
        try {
            // Made through the shared server: both use the same database.
            Fixtures.App app = serviceApp(Fixtures.admin(), Fixtures.org(Fixtures.admin()));

            var byAgent = issueConcurrently(server.baseUrl(), app);

            assertEachActiveStoredOnceAndAuditedOnce(server, app, byAgent);
        } finally {
            server.app().close();
        }
    }

    /** Issues until the server stops answering; what it answered with 200, in order. */
    private static List<String> issueUntilStopped(Http http, Fixtures.App app, List<String> answered) {
        while (true) {
            Http.Response response;
            try {
                response = http.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                        "Authorization", app.basic());
            } catch (RuntimeException connectionGone) {
                return answered;
            }
            if (response.status() != 200) {
                assertThat(response.status()).as("refused while stopping, never a server error: %s", response.body())
                        .isEqualTo(503);
                return answered;
            }
            answered.add(response.text("access_token"));
        }
    }

    @Test
    void serverStoppedWhileIssuingAnswersOnlyStoredTokensEachStoredOnce() throws Exception {
        TestServer server = TestServer.start(Map.of());
        Fixtures.App app = serviceApp(Fixtures.admin(), Fixtures.org(Fixtures.admin()));
        var answeredByClient = new ArrayList<List<String>>();
        var running = new ArrayList<CompletableFuture<List<String>>>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CLIENTS; c++) {
                var answered = Collections.synchronizedList(new ArrayList<String>());
                answeredByClient.add(answered);
                Http http = Http.anonymous(server.baseUrl());
                running.add(CompletableFuture.supplyAsync(() -> issueUntilStopped(http, app, answered), clients));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (answeredByClient.stream().mapToInt(List::size).sum() < 200 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            server.app().close();

            for (var client : running) {
                client.get();
            }
        }

        var database = TestServer.get().app().database();
        long answered = 0;
        for (var tokens : answeredByClient) {
            for (String token : tokens) {
                long rows = database.withHandle(handle -> handle.createQuery(
                                "SELECT count(*) FROM access_tokens WHERE token_hash = :hash")
                        .bind("hash", TokenCodec.hash(token)).mapTo(Long.class).one());
                assertThat(rows).as("an answered token is stored, once").isEqualTo(1);
                answered++;
            }
        }
        long stored = database.withHandle(handle -> handle.createQuery("SELECT count(*) FROM access_tokens WHERE client_id = :id")
                .bind("id", app.clientId()).mapTo(Long.class).one());
        assertThat(answered).isGreaterThanOrEqualTo(200);
        // A token whose answer was cut off by the stop may be stored unanswered: at most one per client.
        assertThat(stored).isBetween(answered, answered + CLIENTS);
    }
}
