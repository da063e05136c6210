package gatehouse.vault;

/**
 * A provider call that did not succeed, classified as PROVIDERS.md §0 does: the connection can no
 * longer be renewed ({@code PERMANENT} → needs_reauth), Gatehouse's own settings are wrong
 * ({@code CONFIGURATION}: alert, don't blame the connection), or it may work if tried again
 * ({@code TRANSIENT}: 5xx, 429, timeouts). The message names the provider's error code, never a token.
 */
public final class ProviderException extends Exception {
    public enum Kind { PERMANENT, CONFIGURATION, TRANSIENT }

    private final Kind kind;
    private final String providerError;
    private final long retryAfterSeconds;

    public ProviderException(Kind kind, String providerError, String message) {
        this(kind, providerError, message, 0);
    }

    public ProviderException(Kind kind, String providerError, String message, long retryAfterSeconds) {
        super(message);
        this.kind = kind;
        this.providerError = providerError;
        this.retryAfterSeconds = retryAfterSeconds;
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
