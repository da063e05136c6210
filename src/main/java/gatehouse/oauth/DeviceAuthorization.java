package gatehouse.oauth;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A device authorization (RFC 8628 §3.2) as stored: the app, what it asked for (scopes, actor, the
 * organization it named), the user code (stored form: upper case, no dash), how often the device
 * may poll and when it last did, and the user's decision (null while pending).
 */
public record DeviceAuthorization(
        String userCode,
        String clientId,
        String scope,
        String actor,
        UUID organizationId,
        Instant createdAt,
        Instant expiresAt,
        int intervalSeconds,
        Instant lastPolledAt,
        String decision,
        String resource) {

    public static final String APPROVED = "approved";
    public static final String DENIED = "denied";

    /** How long a device code and its user code live (RFC 8628 §3.2 expires_in). */
    static final Duration TTL = Duration.ofMinutes(10);
    /** The polling interval a device starts with, in seconds (RFC 8628 §3.2 interval). */
    static final int INTERVAL = 5;
    /** How long a device has at least to collect a decision, however late it was made. */
    static final Duration COLLECT = Duration.ofMinutes(1);
    /** What a device that polls too fast adds to its interval (RFC 8628 §3.5 slow_down). */
    static final int SLOW_DOWN_STEP = 5;

    boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /** Whether a poll at {@code now} comes sooner than the interval allows after the previous one. */
    boolean tooSoon(Instant now) {
        return lastPolledAt != null && now.isBefore(lastPolledAt.plusSeconds(intervalSeconds));
    }

    /** The user code as people read and type it: two groups of four, e.g. {@code WDJB-MJHT}. */
    public String displayedUserCode() {
        return userCode.substring(0, 4) + "-" + userCode.substring(4);
    }
}
