package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.secrets.TokenCodec;
import gatehouse.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccessTokenCacheTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final AccessTokenCache cache = new AccessTokenCache(() -> true, clock, 100, Duration.ofSeconds(60));
    private final AtomicInteger loads = new AtomicInteger();
    private final UUID alice = UUID.randomUUID();

    private TokenRepository.FoundAccess token(UUID userId, Instant expiresAt) {
        var token = new AccessToken(UUID.randomUUID(), "app", userId, null, userId == null ? "app" : "self", "read",
                null, "client_credentials", false, clock.instant(), expiresAt, null);
        return new TokenRepository.FoundAccess(token, userId == null ? TokenOwner.NONE
                : new TokenOwner("alice@example.test", List.of(), false, true));
    }

    /** Looks {@code value} up, loading {@code stored} when it is not in memory. */
    private Optional<TokenRepository.FoundAccess> lookUp(String value, TokenRepository.FoundAccess stored) {
        return cache.get(TokenCodec.hash(value), hash -> {
            loads.incrementAndGet();
            return Optional.of(stored);
        });
    }

    @Test
    void aTokenHeardEndedByItsHashIsLoadedAgain() {
        var stored = token(null, clock.instant().plusSeconds(3600));
        lookUp("one", stored);
        lookUp("one", stored);
        assertThat(loads).hasValue(1);

        cache.heard(HexFormat.of().formatHex(TokenCodec.hash("other")) + "," + HexFormat.of().formatHex(TokenCodec.hash("one")));

        lookUp("one", stored);
        assertThat(loads).hasValue(2);
    }

    @Test
    void anOwnerHeardChangedForgetsOnlyTheirTokens() {
        lookUp("alice's", token(alice, clock.instant().plusSeconds(3600)));
        lookUp("the app's", token(null, clock.instant().plusSeconds(3600)));

        cache.heard("user:" + alice);

        lookUp("alice's", token(alice, clock.instant().plusSeconds(3600)));
        lookUp("the app's", token(null, clock.instant().plusSeconds(3600)));
        assertThat(loads).hasValue(3);
    }

    @Test
    void everythingIsForgottenOnAStarAndOnAPayloadItCannotRead() {
        for (String payload : List.of("*", "not hex", "user:not-a-uuid")) {
            lookUp("one", token(null, clock.instant().plusSeconds(3600)));
            assertThat(cache.size()).isEqualTo(1);
            cache.heard(payload);
            assertThat(cache.size()).as(payload).isZero();
        }
    }

    @Test
    void aTokenIsNeverKeptPastItsExpiry() {
        var stored = token(null, clock.instant().plusSeconds(5));
        lookUp("short", stored);
        clock.advance(Duration.ofSeconds(5));
        lookUp("short", stored);
        assertThat(loads).hasValue(2);
    }

    @Test
    void aTokenIsKeptNoLongerThanTheCacheLifetime() {
        var stored = token(null, clock.instant().plusSeconds(3600));
        lookUp("long", stored);
        clock.advance(Duration.ofSeconds(59));
        lookUp("long", stored);
        clock.advance(Duration.ofSeconds(1));
        lookUp("long", stored);
        assertThat(loads).hasValue(2);
    }
}
