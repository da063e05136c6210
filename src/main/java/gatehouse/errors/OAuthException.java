package gatehouse.errors;

import java.util.Objects;

/**
 * The one exception every layer throws for an expected failure. {@code description} is safe to show
 * the client; {@code detail} is for the log and the audit trail only (it may name the real reason a
 * grant was refused, which the client must not learn).
 */
public final class OAuthException extends RuntimeException {
    private final OAuthError error;
    private final String description;
    private final String detail;
    private final transient String wwwAuthenticate;
    private final long retryAfterSeconds;
    /** A DPoP nonce to send with the error (RFC 9449 §8), or null. */
    private final transient String dpopNonce;

    private OAuthException(OAuthError error, String description, String detail, String wwwAuthenticate, Throwable cause,
                           long retryAfterSeconds) {
        this(error, description, detail, wwwAuthenticate, cause, retryAfterSeconds, null);
    }

    private OAuthException(OAuthError error, String description, String detail, String wwwAuthenticate, Throwable cause,
                           long retryAfterSeconds, String dpopNonce) {
        super(error.code() + ": " + (detail != null ? detail : description), cause, false, false);
        this.error = Objects.requireNonNull(error);
        this.description = description;
        this.detail = detail;
        this.wwwAuthenticate = wwwAuthenticate;
        this.retryAfterSeconds = retryAfterSeconds;
        this.dpopNonce = dpopNonce;
    }

    public static OAuthException of(OAuthError error, String description) {
        return new OAuthException(error, description, null, null, null, 0);
    }

    /** 429: try again in {@code seconds} (sent as Retry-After). */
    public static OAuthException rateLimited(String description, long seconds) {
        return new OAuthException(OAuthError.RATE_LIMIT_EXCEEDED, description, null, null, null, Math.max(1, seconds));
    }

    /** Seconds to wait before trying again, or 0 when the error says nothing about it. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public OAuthError error() {
        return error;
    }

    public String description() {
        return description;
    }

    public String detail() {
        return detail;
    }

    /** The WWW-Authenticate challenge to send with this error, or null for none. */
    public String wwwAuthenticate() {
        return wwwAuthenticate;
    }

    /** The DPoP-Nonce header to send with this error, or null for none. */
    public String dpopNonce() {
        return dpopNonce;
    }

    public OAuthException withDetail(String newDetail) {
        return new OAuthException(error, description, newDetail, wwwAuthenticate, getCause(), retryAfterSeconds, dpopNonce);
    }

    public OAuthException withChallenge(String challenge) {
        return new OAuthException(error, description, detail, challenge, getCause(), retryAfterSeconds, dpopNonce);
    }

    public OAuthException withCause(Throwable cause) {
        return new OAuthException(error, description, detail, wwwAuthenticate, cause, retryAfterSeconds, dpopNonce);
    }

    /** The same error, sent with a fresh DPoP nonce for the client's next proof. */
    public OAuthException withDPoPNonce(String nonce) {
        return new OAuthException(error, description, detail, wwwAuthenticate, getCause(), retryAfterSeconds, nonce);
    }

    // Shorthands for the codes thrown most often; the rest go through of(…).

    public static OAuthException invalidRequest(String description) {
        return of(OAuthError.INVALID_REQUEST, description);
    }

    /** invalid_grant is deliberately vague to the client (RFC 6749 §5.2); the reason goes to detail. */
    public static OAuthException invalidGrant(String detail) {
        return of(OAuthError.INVALID_GRANT, "the grant is invalid, expired or revoked").withDetail(detail);
    }

    public static OAuthException invalidClient(String detail) {
        return of(OAuthError.INVALID_CLIENT, "client authentication failed").withDetail(detail);
    }

    public static OAuthException invalidToken(String detail) {
        return of(OAuthError.INVALID_TOKEN, "the access token is invalid, expired or revoked")
                .withDetail(detail)
                .withChallenge("Bearer error=\"invalid_token\"");
    }

    public static OAuthException validation(String description) {
        return of(OAuthError.VALIDATION_FAILED, description);
    }

    public static OAuthException notFound(String description) {
        return of(OAuthError.NOT_FOUND, description);
    }

    public static OAuthException forbidden(String description) {
        return of(OAuthError.FORBIDDEN, description);
    }

    public static OAuthException conflict(String description) {
        return of(OAuthError.CONFLICT, description);
    }

    public static OAuthException unauthenticated() {
        return of(OAuthError.UNAUTHENTICATED, "authentication is required").withChallenge("Bearer realm=\"gatehouse\"");
    }

    /** RFC 6750 §3.1: the token is valid but lacks the scope. */
    public static OAuthException insufficientScope(String scope) {
        return of(OAuthError.INSUFFICIENT_SCOPE, "this token lacks the scope " + scope)
                .withChallenge("Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"");
    }
}
