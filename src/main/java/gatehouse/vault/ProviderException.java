package gatehouse.vault;

/**
 * A provider call that did not succeed, classified by what it means for the connection: it can no
 * longer be renewed ({@code PERMANENT} → needs_reauth), Gatehouse's own settings are wrong
 * ({@code CONFIGURATION}: alert, don't blame the connection), or it may work if tried again
 * ({@code TRANSIENT}: 5xx, 429, timeouts). The message names the provider's error code, never a token.
 *
 * <p>{@link #neverSent()} tells the one transient failure after which a single-use secret (a rotating
 * refresh token, an authorization code) may be sent again: the request provably never left
 * (connection refused, DNS failure, no connection within the connect timeout). After a timeout, a
 * dropped connection or a 5xx the provider may have acted on it, so it must not be repeated blindly.
 */
public final class ProviderException extends Exception {
    public enum Kind { PERMANENT, CONFIGURATION, TRANSIENT }

    private final Kind kind;
    private final String providerError;
    private final long retryAfterSeconds;
    private final boolean neverSent;

    public ProviderException(Kind kind, String providerError, String message) {
        this(kind, providerError, message, 0);
    }

    public ProviderException(Kind kind, String providerError, String message, long retryAfterSeconds) {
        this(kind, providerError, message, retryAfterSeconds, false);
    }

    private ProviderException(Kind kind, String providerError, String message, long retryAfterSeconds, boolean neverSent) {
        super(message);
        this.kind = kind;
        this.providerError = providerError;
        this.retryAfterSeconds = retryAfterSeconds;
        this.neverSent = neverSent;
    }

    /** The provider could not be reached at all: the request never left this node. */
    public static ProviderException unreachable(String provider, String why) {
        return new ProviderException(Kind.TRANSIENT, "unreachable", provider + " could not be reached: " + why, 0, true);
    }

    /** True only when the request provably never reached the provider (safe to send again). */
    public boolean neverSent() {
        return neverSent;
    }

    public Kind kind() {
        return kind;
    }

    /** The provider's error code (e.g. {@code invalid_grant}, {@code bad_refresh_token}), or a short label. */
    public String providerError() {
        return providerError;
    }

    /** A provider's Retry-After, in seconds; 0 when it gave none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
