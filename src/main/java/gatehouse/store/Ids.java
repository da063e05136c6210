package gatehouse.store;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Resource IDs are UUIDv7 (RFC 9562): time-ordered, so "ORDER BY id" is creation order and a page
 * cursor is simply the last ID seen.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static UUID newId() {
        return newId(Clock.systemUTC().millis());
    }

    static UUID newId(long epochMillis) {
        long randA = RANDOM.nextInt(1 << 12);
        long msb = (epochMillis << 16) | (0x7L << 12) | randA;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
