package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.secrets.TokenCodec;
import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

class ExpiredRecordsPurgerIT {
    private final Http api = Http.anonymous();

    private long rowsWithHash(String token) {
        return TestServer.get().app().database().withHandle(handle -> handle
                .createQuery("SELECT count(*) FROM access_tokens WHERE token_hash = :hash")
                .bind("hash", TokenCodec.hash(token)).mapTo(Long.class).one());
    }

    @Test
    void purgeWhenTokensLongExpiredThenTheirRowsAreDeletedAndLiveOnesKept() {
        String orgId = Fixtures.org(Fixtures.admin());
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "access_token_ttl", 60));
        String token = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()).text("access_token");
        var database = TestServer.get().app().database();

        int nothingYet = new ExpiredRecordsPurger(database, Clock.systemUTC()).purge();
        assertThat(nothingYet).isGreaterThanOrEqualTo(0);
        assertThat(rowsWithHash(token)).isEqualTo(1);

        // Two days later the 60-second token is more than a day past its expiry.
        var later = new ExpiredRecordsPurger(database, Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
        assertThat(later.purge()).isGreaterThanOrEqualTo(1);
        assertThat(rowsWithHash(token)).isZero();

        String fresh = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic()).text("access_token");
        new ExpiredRecordsPurger(database, Clock.systemUTC()).purge();
        assertThat(rowsWithHash(fresh)).isEqualTo(1);
    }

    @Test
    void purgeWhenTheGraceWindowIsOverThenTheSuccessorKeptForARetryIsForgotten() {
        Fixtures.Tenant tenant = Fixtures.tenant("purge");
        Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "refresh_token_grace_seconds", 300));
        String r0 = app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope()))
                .get("refresh_token").asText();
        Http.Response rotated = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token", r0),
                "Authorization", app.basic());
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        var database = TestServer.get().app().database();
        Supplier<String> kept = () -> database.withHandle(handle -> handle
                .createQuery("SELECT successor_sealed FROM refresh_tokens WHERE token_hash = :hash")
                .bind("hash", TokenCodec.hash(r0)).mapTo(String.class).one());
        assertThat(kept.get()).as("kept encrypted, never in plain text").isNotNull()
                .doesNotContain(rotated.text("refresh_token"));

        new ExpiredRecordsPurger(database, Clock.systemUTC()).purge();
        assertThat(kept.get()).as("still within the window").isNotNull();
        new ExpiredRecordsPurger(database, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(301))).purge();
        assertThat(kept.get()).isNull();
    }

    @Test
    void purgeWhenAPassDeletedManyTokensThenItVacuumsTheTableSoItsSpaceIsReused() throws InterruptedException {
        String orgId = Fixtures.org(Fixtures.admin());
        String clientId = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of())).clientId();
        var database = TestServer.get().app().database();
        Supplier<Long> vacuums = () -> database.withHandle(handle -> handle.createQuery(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'access_tokens'").mapTo(Long.class).one());
        long before = vacuums.get();
        database.withHandle(handle -> handle.createUpdate("""
                        INSERT INTO access_tokens (token_hash, id, client_id, actor, scope, grant_type, created_at, expires_at)
                        SELECT sha256(CAST(:clientId || '/many/' || n AS bytea)), gen_random_uuid(), :clientId, 'app', '',
                            'client_credentials', now() - interval '2 hours', now() - interval '1 hour'
                        FROM generate_series(1, :count) n""")
                .bind("clientId", clientId).bind("count", ExpiredRecordsPurger.VACUUM_AFTER).execute());

        assertThat(new ExpiredRecordsPurger(database, Clock.systemUTC(), 5_000, Duration.ZERO).purge())
                .isGreaterThanOrEqualTo(ExpiredRecordsPurger.VACUUM_AFTER);

        Eventually.until(() -> vacuums.get() > before);
    }

    /** Stores an opaque access token row of the app with these times (no request: the purge reads rows only). */
    private static void storeToken(Handle handle, String clientId, String name, Instant expiresAt, Instant revokedAt,
                                   boolean jwt) {
        handle.createUpdate("""
                        INSERT INTO access_tokens (token_hash, id, client_id, actor, scope, grant_type, created_at, expires_at,
                            revoked_at, signing_key_id)
                        VALUES (sha256(CAST(:name AS bytea)), gen_random_uuid(), :clientId, 'app', '', 'client_credentials',
                            CAST(:expiresAt AS timestamptz) - interval '1 hour', :expiresAt, :revokedAt,
                            CASE WHEN :jwt THEN (SELECT id FROM signing_keys ORDER BY created_at LIMIT 1) END)""")
                .bind("name", clientId + "/" + name).bind("clientId", clientId).bind("expiresAt", expiresAt)
                .bind("revokedAt", revokedAt).bind("jwt", jwt).execute();
    }

    private static List<String> tokensLeft(String clientId) {
        return TestServer.get().app().database().withHandle(handle -> handle.createQuery("""
                        SELECT n FROM unnest(CAST(:names AS text[])) n
                        WHERE EXISTS (SELECT 1 FROM access_tokens t
                                      WHERE t.token_hash = sha256(CAST(:clientId || '/' || n AS bytea)))
                        ORDER BY n""")
                .bind("clientId", clientId)
                .bind("names", new String[] {"expired-0", "expired-24", "recently-expired", "live", "revoked-long-ago",
                    "revoked-recently", "revoked-jwt", "expired-opaque", "expired-jwt"})
                .mapTo(String.class).list());
    }

    @Test
    void purgeWhenABacklogIsLargerThanABatchThenItGoesInSeveralBatchesAndKeepsWhatTheRulesKeep() {
        String orgId = Fixtures.org(Fixtures.admin());
        String clientId = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of())).clientId();
        var database = TestServer.get().app().database();
        Instant now = Instant.now();
        // A JWT row needs a signing key: issuing one JWT makes sure the node has one.
        Fixtures.App jwtApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "access_token_format", "jwt"));
        api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"), "Authorization", jwtApp.basic());
        database.withHandle(handle -> {
            for (int i = 0; i < 25; i++) {
                storeToken(handle, clientId, "expired-" + i, now.minus(Duration.ofDays(2)), null, false);
            }
            storeToken(handle, clientId, "recently-expired", now.minus(Duration.ofSeconds(30)), null, false);
            storeToken(handle, clientId, "expired-opaque", now.minus(Duration.ofMinutes(2)), null, false);
            storeToken(handle, clientId, "expired-jwt", now.minus(Duration.ofHours(23)), null, true);
            storeToken(handle, clientId, "live", now.plus(Duration.ofHours(1)), null, false);
            storeToken(handle, clientId, "revoked-long-ago", now.plus(Duration.ofHours(1)), now.minus(Duration.ofMinutes(61)),
                    false);
            storeToken(handle, clientId, "revoked-recently", now.plus(Duration.ofHours(1)), now.minus(Duration.ofMinutes(59)),
                    false);
            storeToken(handle, clientId, "revoked-jwt", now.plus(Duration.ofHours(1)), now.minus(Duration.ofHours(2)), true);
            return null;
        });

        int deleted = new ExpiredRecordsPurger(database, Clock.systemUTC(), 4, Duration.ZERO).purge();

        assertThat(deleted).as("25 expired in batches of 4, one opaque expired over a minute ago, and the token revoked"
                + " over an hour ago").isGreaterThanOrEqualTo(27);
        assertThat(tokensLeft(clientId)).as("an opaque token goes a minute past expiry, a JWT a day past it; revoked over"
                        + " an hour ago goes unless a JWT")
                .containsExactly("expired-jwt", "live", "recently-expired", "revoked-jwt", "revoked-recently");
    }

    @Test
    void purgeWhenAnotherNodeHoldsTheLockThenThisOneDeletesNothing() throws SQLException {
        var database = TestServer.get().app().database();
        // A connection of its own (a nested withHandle would reuse the purger's, where the lock is re-entrant).
        try (Connection other = database.dataSource().getConnection()) {
            try (var take = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
                take.setLong(1, ExpiredRecordsPurger.LOCK_KEY);
                take.execute();
            }
            assertThat(new ExpiredRecordsPurger(database, Clock.systemUTC()).purge()).isEqualTo(-1);
            try (var release = other.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                release.setLong(1, ExpiredRecordsPurger.LOCK_KEY);
                release.execute();
            }
        }
        assertThat(new ExpiredRecordsPurger(database, Clock.systemUTC()).purge()).isGreaterThanOrEqualTo(0);
    }
}
