package gatehouse.tokens;

import gatehouse.store.ChangeFeed;
import gatehouse.store.NotifiedCache;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Live access tokens by hash, in memory, so introspection and bearer calls skip the database. An
 * entry is kept at most {@code ttl} and never past the token's {@code exp}. PostgreSQL triggers
 * (migration V14) announce every token that ends and every owner whose facts change on channel
 * {@value #CHANNEL}; each node evicts on hearing it, and bypasses the cache while it cannot hear.
 * The node that made the change also forgets at once ({@link #forgetAfterCommit}), so a client
 * that revoked a token never sees it active again, even on the same node a millisecond later.
 */
public final class AccessTokenCache implements ChangeFeed.Subscriber {
    public static final String CHANNEL = "gatehouse_tokens";
    static final String EVERY_TOKEN = "*";
    static final String OWNER_PREFIX = "user:";

    private final NotifiedCache<ByteBuffer, TokenRepository.FoundAccess> tokens;

    /** {@code maxEntries} 0 turns the cache off: every lookup reads the database. */
    public AccessTokenCache(ChangeFeed feed, Clock clock, int maxEntries, Duration ttl) {
        this(feed::listening, clock, maxEntries, ttl);
        feed.subscribe(CHANNEL, this);
    }

    AccessTokenCache(BooleanSupplier feedUp, Clock clock, int maxEntries, Duration ttl) {
        this.tokens = new NotifiedCache<>(feedUp, clock, maxEntries, (found, loadedAt) -> earlier(
                loadedAt.plus(ttl), found.token().expiresAt()));
    }

    /** Without a cache (tests of the grants). */
    static AccessTokenCache none() {
        return new AccessTokenCache(() -> false, Clock.systemUTC(), 0, Duration.ZERO);
    }

    private static Instant earlier(Instant a, Instant b) {
        return b == null || a.isBefore(b) ? a : b;
    }

    /** The token stored under {@code hash}, from memory or {@code loader}; the caller still checks it is active. */
    Optional<TokenRepository.FoundAccess> get(byte[] hash, Function<byte[], Optional<TokenRepository.FoundAccess>> loader) {
        return tokens.get(ByteBuffer.wrap(hash), key -> loader.apply(hash));
    }

    /**
     * Forgets every token on this node now and again when {@code handle}'s transaction commits (a
     * lookup between the two could have read the row before the change). The triggers tell the
     * other nodes; this is for the next request on this one.
     */
    void forgetAfterCommit(Handle handle) {
        tokens.clear();
        if (handle.isInTransaction()) {
            handle.afterCommit(tokens::clear);
        }
    }

    /** Forgets the tokens with these hashes, now and when {@code handle}'s transaction commits. */
    void forgetAfterCommit(Handle handle, Iterable<byte[]> hashes) {
        Runnable forget = () -> hashes.forEach(hash -> tokens.evict(ByteBuffer.wrap(hash)));
        forget.run();
        if (handle.isInTransaction()) {
            handle.afterCommit(forget);
        }
    }

    @Override
    public void heard(String payload) {
        if (EVERY_TOKEN.equals(payload)) {
            tokens.clear();
        } else if (payload.startsWith(OWNER_PREFIX)) {
            forgetOwner(payload.substring(OWNER_PREFIX.length()));
        } else {
            for (String hex : payload.split(",")) {
                forgetHash(hex);
            }
        }
    }

    private void forgetOwner(String userId) {
        try {
            UUID owner = UUID.fromString(userId);
            tokens.evictIf(found -> owner.equals(found.token().userId()));
        } catch (IllegalArgumentException e) {
            tokens.clear(); // not ours to misread: forget everything rather than keep something stale
        }
    }

    private void forgetHash(String hex) {
        try {
            tokens.evict(ByteBuffer.wrap(HexFormat.of().parseHex(hex)));
        } catch (IllegalArgumentException e) {
            tokens.clear();
        }
    }

    @Override
    public void forgetEverything() {
        tokens.clear();
    }

    /** How many tokens this node keeps now. */
    public int size() {
        return tokens.size();
    }
}
