package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.audit.AuditLog;
import gatehouse.audit.AuditRepository;
import gatehouse.secrets.TokenCodec;
import gatehouse.store.ChangeFeed;
import gatehouse.store.Database;
import gatehouse.testing.Fixtures;
import gatehouse.testing.MutableClock;
import gatehouse.testing.TestServer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' token services on one database, each with its own cache and change feed, against
 * the truth of the rows: the cache never answers active for a revoked or expired token — on the
 * node that revoked it at once, on the other within 100 ms — and never loses a live one.
 */
class AccessTokenCacheIT {
    private static final Duration PROPAGATION = Duration.ofMillis(100);

    private final MutableClock clock = MutableClock.startingNow();
    private final Database database = TestServer.get().app().database();
    private final TokenCodec codec = new TokenCodec("fo", new SecureRandom());
    private final List<ChangeFeed> feeds = new ArrayList<>();
    private final List<TokenService> nodes = new ArrayList<>();
    private final String orgId = Fixtures.org(Fixtures.admin());
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types",
            List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
    private final Fixtures.User user = Fixtures.newUser();

    /** What the test knows of one token: its value, expiry, and who revoked it when (nanoTime). */
    private static final class Known {
        final String value;
        final Instant expiresAt;
        final UUID userId;
        int revokedBy = -1;
        long revokedAtNanos;

        Known(String value, Instant expiresAt, UUID userId) {
            this.value = value;
            this.expiresAt = expiresAt;
            this.userId = userId;
        }
    }

    @BeforeEach
    void startTwoNodes() {
        for (int i = 0; i < 2; i++) {
            var feed = new ChangeFeed(database.dataSource());
            var cache = new AccessTokenCache(feed, clock, 1_000, Duration.ofSeconds(60));
            feed.start();
            feeds.add(feed);
            nodes.add(new TokenService(database, new TokenRepository(), codec,
                    new AuditLog(database, new AuditRepository(), clock), clock, TestServer.get().app().accessTokenSigner(),
                    TokenEvents.NONE, cache, null));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!feeds.stream().allMatch(ChangeFeed::listening) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        assertThat(feeds).allMatch(ChangeFeed::listening);
    }

    @AfterEach
    void stopNodes() {
        feeds.forEach(ChangeFeed::close);
    }

    private Known issue(TokenService node, UUID userId, int ttlSeconds) {
        var spec = new TokenService.AccessSpec(app.clientId(), userId, UUID.fromString(orgId),
                userId == null ? "app" : "self", "", null, "client_credentials", false, ttlSeconds, null);
        var issued = database.withHandle(handle -> node.issueAccessToken(handle, spec));
        return new Known(issued.value(), issued.token().expiresAt(), userId);
    }

    private boolean active(int node, Known token) {
        return nodes.get(node).findActiveAccessToken(token.value).isPresent();
    }

    /** Polls the node until the token is inactive; returns how long that took. */
    private Duration untilInactive(int node, Known token) {
        long start = System.nanoTime();
        while (active(node, token) && System.nanoTime() - start < Duration.ofSeconds(5).toNanos()) {
            LockSupport.parkNanos(200_000); // a fifth of a millisecond between looks: precise enough, and no busy loop
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void aTokenRevokedOnOneNodeIsInactiveThereAtOnceAndOnTheOtherWithin100Milliseconds() {
        for (int round = 0; round < 20; round++) {
            Known token = issue(nodes.get(0), null, 3600);
            assertThat(active(0, token)).isTrue();
            assertThat(active(1, token)).isTrue(); // both nodes now keep it in memory
            assertThat(active(1, token)).isTrue();

            nodes.get(0).revoke(app.clientId(), token.value, null);

            assertThat(active(0, token)).as("the revoking node, at once").isFalse();
            assertThat(untilInactive(1, token)).as("the other node").isLessThan(PROPAGATION);
        }
    }

    @Test
    void anOwnerDisabledBehindTheServicesBackIsInactiveOnBothNodesWithin100Milliseconds() {
        UUID userId = UUID.fromString(user.id());
        Known token = issue(nodes.get(0), userId, 3600);
        assertThat(active(0, token)).isTrue();
        assertThat(active(1, token)).isTrue();

        // A change no service method made: only the database's trigger can tell the caches.
        database.withHandle(handle -> handle.createUpdate("UPDATE users SET disabled = true WHERE id = :id")
                .bind("id", userId).execute());

        assertThat(untilInactive(0, token)).isLessThan(PROPAGATION);
        assertThat(untilInactive(1, token)).isLessThan(PROPAGATION);
        database.withHandle(handle -> handle.createUpdate("UPDATE users SET disabled = false WHERE id = :id")
                .bind("id", userId).execute());
    }

    @Test
    void aLiveTokenDeletedByACascadeIsInactiveOnBothNodesWithin100Milliseconds() {
        Fixtures.App doomed = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
        var spec = new TokenService.AccessSpec(doomed.clientId(), null, UUID.fromString(orgId), "app", "", null,
                "client_credentials", false, 3600, null);
        var issued = database.withHandle(handle -> nodes.get(0).issueAccessToken(handle, spec));
        Known token = new Known(issued.value(), issued.token().expiresAt(), null);
        assertThat(active(0, token)).isTrue();
        assertThat(active(1, token)).isTrue();

        database.withHandle(handle -> handle.createUpdate("DELETE FROM clients WHERE client_id = :id")
                .bind("id", doomed.clientId()).execute());

        assertThat(untilInactive(0, token)).isLessThan(PROPAGATION);
        assertThat(untilInactive(1, token)).isLessThan(PROPAGATION);
    }

    @Test
    void interleavedIssueIntrospectRevokeAndExpiryOverTwoNodesNeverAnswerActiveForAnEndedToken() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Known> tokens = new ArrayList<>();
        for (int step = 0; step < 600; step++) {
            int node = random.nextInt(2);
            int action = random.nextInt(10);
            if (action < 2 || tokens.isEmpty()) {
                tokens.add(issue(nodes.get(node), random.nextBoolean() ? null : UUID.fromString(user.id()),
                        60 + random.nextInt(240)));
            } else if (action < 7) {
                Known token = tokens.get(random.nextInt(tokens.size()));
                checkAnswer(node, token, seed, step);
            } else if (action < 9) {
                Known token = tokens.get(random.nextInt(tokens.size()));
                nodes.get(node).revoke(app.clientId(), token.value, null);
                if (token.revokedBy < 0) {
                    token.revokedBy = node;
                    token.revokedAtNanos = System.nanoTime();
                }
            } else {
                clock.advance(Duration.ofSeconds(random.nextInt(90)));
            }
        }
    }

    private void checkAnswer(int node, Known token, long seed, int step) {
        boolean expired = !clock.instant().isBefore(token.expiresAt);
        boolean answeredActive = active(node, token);
        String where = "seed " + seed + ", step " + step + ", node " + node;
        if (expired) {
            assertThat(answeredActive).as("expired token answered active (" + where + ")").isFalse();
        } else if (token.revokedBy < 0) {
            assertThat(answeredActive).as("live token answered inactive (" + where + ")").isTrue();
        } else if (token.revokedBy == node
                || System.nanoTime() - token.revokedAtNanos > PROPAGATION.toNanos()) {
            assertThat(answeredActive).as("revoked token answered active (" + where + ")").isFalse();
        } else {
            assertThat(untilInactive(node, token)).as("revocation reached node " + node + " (" + where + ")")
                    .isLessThan(PROPAGATION);
        }
    }
}
