package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.audit.AuditLog;
import gatehouse.audit.AuditRepository;
import gatehouse.audit.RequestOrigin;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.testing.Fixtures;
import gatehouse.testing.TestServer;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit on the real PostgreSQL: batches are made to form by queueing rows before the
 * flushers start (or while a batch is held in flight by a trigger), never by timing.
 */
class AccessTokenBatcherIT {
    private final Database database = TestServer.get().app().database();
    private final TokenRepository repository = new TokenRepository();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    private final String orgId = Fixtures.org(Fixtures.admin());
    private final String clientId = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
            "actor_modes", List.of("app"), "redirect_uris", List.of())).clientId();
    private final List<String> triggers = new ArrayList<>();
    private AccessTokenBatcher batcher;

    @AfterEach
    void tearDown() {
        if (batcher != null) {
            batcher.close();
        }
        requests.shutdownNow();
        triggers.forEach(name -> database.withHandle(handle -> handle.execute("DROP TRIGGER IF EXISTS " + name + " ON access_tokens")));
    }

    private AccessTokenBatcher batcher(int maxBatch) {
        batcher = new AccessTokenBatcher(database, repository, new GroupCommitSettings(true, maxBatch, 1), metrics);
        return batcher;
    }

    /** A service token row of this test's app, with {@code scope} to tell it apart. */
    private TokenRepository.NewAccessToken row(String client, String scope, String userAgent) {
        Instant now = Instant.now();
        var token = new AccessToken(Ids.newId(), client, null, UUID.fromString(orgId), "app", scope, null,
                "client_credentials", false, now, now.plusSeconds(3600), null);
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        return new TokenRepository.NewAccessToken(token, hash, null, "token.issued", Ids.newId(), "192.0.2.1", userAgent,
                "{\"token_id\": \"" + token.id() + "\"}");
    }

    private TokenRepository.NewAccessToken row(String scope) {
        return row(clientId, scope, "test-agent");
    }

    /** What a request got: null when its token was stored, else the error it was answered with. */
    private CompletableFuture<RuntimeException> storeAsync(TokenRepository.NewAccessToken row) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                batcher.store(row);
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, requests);
    }

    private List<CompletableFuture<RuntimeException>> queueAndWait(List<TokenRepository.NewAccessToken> rows) {
        var outcomes = rows.stream().map(this::storeAsync).toList();
        await(() -> batcher.queued() == rows.size(), "all rows queued");
        return outcomes;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: " + what).isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private long storedTokens(TokenRepository.NewAccessToken row) {
        return database.withHandle(handle -> handle.createQuery("SELECT count(*) FROM access_tokens WHERE id = :id")
                .bind("id", row.token().id()).mapTo(Long.class).one());
    }

    private long storedAuditRows(TokenRepository.NewAccessToken row) {
        return database.withHandle(handle -> handle.createQuery("""
                        SELECT count(*) FROM audit_logs WHERE action = 'token.issued' AND details ->> 'token_id' = :id""")
                .bind("id", row.token().id().toString()).mapTo(Long.class).one());
    }

    private static String sqlState(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /** The error {@code row} gets written on its own, with no batch around it. */
    private String aloneError(TokenRepository.NewAccessToken row) {
        try {
            database.withHandle(handle -> {
                repository.insertAccessToken(handle, row);
                return null;
            });
            return null;
        } catch (RuntimeException e) {
            return sqlState(e);
        }
    }

    /** A trigger failing the INSERT of rows with {@code scope} by running {@code body} (PL/pgSQL). */
    private void failInsertsOf(String scope, String body) {
        String name = "batch_test_" + Long.toHexString(System.nanoTime());
        database.withHandle(handle -> {
            handle.execute("CREATE OR REPLACE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + body + " RETURN NEW; END $$");
            handle.execute("CREATE TRIGGER " + name + " BEFORE INSERT ON access_tokens FOR EACH ROW WHEN (NEW.scope = '"
                    + scope + "') EXECUTE FUNCTION " + name + "()");
            return null;
        });
        triggers.add(name);
    }

    private double failedBatches() {
        return metrics.counter("gatehouse_token_batch_failures").count();
    }

    @Test
    void batchWithOneBadRequestFailsOnlyThatRequestWithItsOwnErrorAndStoresTheOthers() {
        batcher(256);
        var rows = new ArrayList<TokenRepository.NewAccessToken>();
        for (int i = 0; i < 10; i++) {
            rows.add(row("read"));
        }
        var deletedApp = row("no-such-app-" + Ids.newId(), "read", "test-agent");
        var unstorableAgent = row(clientId, "read", "agent\u0000with a NUL");
        rows.add(3, deletedApp);
        rows.add(7, unstorableAgent);
        var outcomes = queueAndWait(rows);

        batcher.start();

        for (int i = 0; i < rows.size(); i++) {
            var row = rows.get(i);
            RuntimeException error = outcomes.get(i).join();
            if (row == deletedApp || row == unstorableAgent) {
                assertThat(sqlState(error)).as("its own error, as alone").isNotNull().isEqualTo(aloneError(row));
                assertThat(storedTokens(row)).isZero();
                assertThat(storedAuditRows(row)).isZero();
            } else {
                assertThat(error).as("row %d", i).isNull();
                assertThat(storedTokens(row)).isEqualTo(1);
                assertThat(storedAuditRows(row)).isEqualTo(1);
            }
        }
        assertThat(sqlState(outcomes.get(3).join())).as("foreign key violation").isEqualTo("23503");
        assertThat(failedBatches()).as("the rows were written as one batch first").isEqualTo(1);
    }

    @Test
    void databaseErrorInTheMiddleOfABatchGivesEachRequestItsOwnOutcomeAndStoresNothingTwice() {
        batcher(256);
        String raising = "raise-" + Ids.newId();
        String killing = "kill-" + Ids.newId();
        failInsertsOf(raising, "RAISE EXCEPTION 'refused by the test';");
        // The flusher's own connection is killed while it writes the batch.
        failInsertsOf(killing, "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5);");
        var rows = new ArrayList<TokenRepository.NewAccessToken>();
        for (int i = 0; i < 12; i++) {
            rows.add(row(i == 4 ? raising : i == 8 ? killing : "read"));
        }
        var outcomes = queueAndWait(rows);

        batcher.start();

        for (int i = 0; i < rows.size(); i++) {
            RuntimeException error = outcomes.get(i).join();
            if (i == 4) {
                assertThat(sqlState(error)).isEqualTo("P0001");
            } else if (i == 8) {
                assertThat(Database.isUnavailable(error)).as("its connection was killed: %s", error).isTrue();
            } else {
                assertThat(error).as("row %d", i).isNull();
            }
            long expected = i == 4 || i == 8 ? 0 : 1;
            assertThat(storedTokens(rows.get(i))).as("row %d", i).isEqualTo(expected);
            assertThat(storedAuditRows(rows.get(i))).as("row %d", i).isEqualTo(expected);
        }
        assertThat(failedBatches()).isEqualTo(1);
    }

    @Test
    void serverStoppedWithABatchInFlightAnswersOnlyStoredTokensWritesWhatWasQueuedAndRefusesTheRest() {
        batcher(256).start();
        String slow = "slow-" + Ids.newId();
        failInsertsOf(slow, "PERFORM pg_sleep(1);");
        var inFlight = row(slow);
        var inFlightOutcome = storeAsync(inFlight);
        await(() -> database.withHandle(handle -> handle.createQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%access_tokens%'")
                .mapTo(Long.class).one()) > 0, "the batch in flight");
        var queued = new ArrayList<TokenRepository.NewAccessToken>();
        for (int i = 0; i < 20; i++) {
            queued.add(row("read"));
        }
        var queuedOutcomes = queueAndWait(queued);

        var closing = CompletableFuture.runAsync(batcher::close);
        await(batcher::closing, "closing begun");
        var late = new ArrayList<TokenRepository.NewAccessToken>();
        for (int i = 0; i < 5; i++) {
            late.add(row("read"));
        }
        var lateOutcomes = late.stream().map(this::storeAsync).toList();
        closing.join();

        assertThat(inFlightOutcome.join()).isNull();
        assertThat(storedTokens(inFlight)).isEqualTo(1);
        for (int i = 0; i < queued.size(); i++) {
            assertThat(queuedOutcomes.get(i).join()).as("queued before closing: written").isNull();
            assertThat(storedTokens(queued.get(i))).isEqualTo(1);
            assertThat(storedAuditRows(queued.get(i))).isEqualTo(1);
        }
        for (int i = 0; i < late.size(); i++) {
            assertThat(lateOutcomes.get(i).join()).as("after closing: refused")
                    .isInstanceOfSatisfying(OAuthException.class,
                            e -> assertThat(e.error()).isEqualTo(OAuthError.TEMPORARILY_UNAVAILABLE));
            assertThat(storedTokens(late.get(i))).isZero();
        }
    }

    @Test
    void closedBeforeAnyFlusherRanRefusesWhatIsQueuedAndStoresNothing() {
        batcher(256);
        var rows = List.of(row("read"), row("read"), row("read"));
        var outcomes = queueAndWait(rows);

        batcher.close();

        for (int i = 0; i < rows.size(); i++) {
            assertThat(outcomes.get(i).join()).isInstanceOfSatisfying(OAuthException.class,
                    e -> assertThat(e.error()).isEqualTo(OAuthError.TEMPORARILY_UNAVAILABLE));
            assertThat(storedTokens(rows.get(i))).isZero();
        }
    }

    @Test
    void concurrentIssuingStoresOneRowAndOneAuditRowPerAnsweredTokenWithEachRequestsOrigin() throws Exception {
        batcher(256);
        var tokens = new TokenService(database, repository, new TokenCodec("fo", new SecureRandom()),
                new AuditLog(database, new AuditRepository(), Clock.systemUTC()), Clock.systemUTC(),
                TestServer.get().app().accessTokenSigner(), TokenEvents.NONE, AccessTokenCache.none(), batcher);
        int threads = 16;
        int perThread = 40;
        var issuers = new ArrayList<CompletableFuture<List<String>>>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            issuers.add(CompletableFuture.supplyAsync(() -> {
                RequestOrigin.set("198.51.100." + thread, "issuer-" + thread);
                try {
                    var values = new ArrayList<String>();
                    for (int i = 0; i < perThread; i++) {
                        values.add(tokens.issueServiceToken(new TokenService.AccessSpec(clientId, null,
                                UUID.fromString(orgId), "app", "read", null, "client_credentials", false, 3600, null)).value());
                    }
                    return values;
                } finally {
                    RequestOrigin.clear();
                }
            }, requests));
        }
        // Every thread's first token waits before any is written: the first batch holds them all.
        await(() -> batcher.queued() == threads, "one token of every thread queued");
        batcher.start();

        for (int t = 0; t < threads; t++) {
            List<String> values = issuers.get(t).get();
            assertThat(values).hasSize(perThread);
            for (String value : values) {
                var stored = database.withHandle(handle -> handle.createQuery("""
                                SELECT a.ip, a.user_agent, count(*) OVER () AS audit_rows
                                FROM access_tokens t JOIN audit_logs a
                                  ON a.action = 'token.issued' AND a.details ->> 'token_id' = t.id::text
                                WHERE t.token_hash = :hash""")
                        .bind("hash", TokenCodec.hash(value))
                        .mapToMap().list());
                assertThat(stored).as("one token row and one audit row").hasSize(1);
                assertThat(stored.getFirst()).containsEntry("ip", "198.51.100." + t).containsEntry("user_agent", "issuer-" + t);
            }
        }
        assertThat(batcher.largestBatch()).as("tokens shared a commit").isEqualTo(threads);
        assertThat(batcher.batches()).isLessThan((long) threads * perThread);
        assertThat(metrics.summary("gatehouse_token_batch_size").totalAmount()).isEqualTo(threads * perThread);
    }

    @Test
    void jwtServiceTokenIsSignedInTheRequestAndStoredWithItsKeyThroughTheBatch() {
        batcher(256).start();
        var tokens = new TokenService(database, repository, new TokenCodec("fo", new SecureRandom()),
                new AuditLog(database, new AuditRepository(), Clock.systemUTC()), Clock.systemUTC(),
                TestServer.get().app().accessTokenSigner(), TokenEvents.NONE, AccessTokenCache.none(), batcher);

        var issued = tokens.issueServiceToken(new TokenService.AccessSpec(clientId, null, UUID.fromString(orgId), "app",
                "read", null, "client_credentials", false, 3600, new AccessTokenSigner.Format("RS256", "at+jwt")));

        assertThat(issued.value().split("\\.")).hasSize(3);
        UUID keyId = database.withHandle(handle -> handle.createQuery(
                        "SELECT signing_key_id FROM access_tokens WHERE token_hash = :hash")
                .bind("hash", TokenCodec.hash(issued.value())).mapTo(UUID.class).one());
        assertThat(keyId).isNotNull();
        assertThat(tokens.findActiveAccessToken(issued.value())).isPresent();
        assertThat(batcher.batches()).isEqualTo(1);
    }
}
