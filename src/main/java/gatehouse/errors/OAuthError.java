package gatehouse.errors;

/**
 * Every error code of docs/http.md, "Conventions" with the one HTTP status it is answered with. Status is decided here
 * and nowhere else.
 */
public enum OAuthError {
    INVALID_REQUEST("invalid_request", 400),
    INVALID_GRANT("invalid_grant", 400),
    UNAUTHORIZED_CLIENT("unauthorized_client", 400),
    UNSUPPORTED_GRANT_TYPE("unsupported_grant_type", 400),
    INVALID_SCOPE("invalid_scope", 400),
    UNSUPPORTED_TOKEN_TYPE("unsupported_token_type", 400),
    INVALID_REDIRECT_URI("invalid_redirect_uri", 400),
    // Dynamic client registration (RFC 7591 §3.2.2): metadata the server cannot accept.
    INVALID_CLIENT_METADATA("invalid_client_metadata", 400),
    // Resource indicators (RFC 8707 §2): a resource that is not a registered resource server.
    INVALID_TARGET("invalid_target", 400),
    VALIDATION_FAILED("validation_failed", 400),
    INVALID_CLIENT("invalid_client", 401),
    INVALID_TOKEN("invalid_token", 401),
    UNAUTHENTICATED("unauthenticated", 401),
    INSUFFICIENT_SCOPE("insufficient_scope", 403),
    FORBIDDEN("forbidden", 403),
    NOT_FOUND("not_found", 404),
    /** docs/http.md, "Conventions" has no code of its own for a wrong method; the status tells it apart. */
    METHOD_NOT_ALLOWED("invalid_request", 405),
    CONFLICT("conflict", 409),
    REAUTHORIZATION_REQUIRED("reauthorization_required", 409),
    PAYLOAD_TOO_LARGE("payload_too_large", 413),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415),
    RATE_LIMIT_EXCEEDED("rate_limit_exceeded", 429),
    SERVER_ERROR("server_error", 500),
    PROVIDER_UNAVAILABLE("provider_unavailable", 503),
    TEMPORARILY_UNAVAILABLE("temporarily_unavailable", 503),
    // Authorization-endpoint codes (RFC 6749 §4.1.2.1): sent in a redirect, and as a 400 by /oauth/par
    // (RFC 9126 §2.3), which checks an authorization request before any redirect exists.
    ACCESS_DENIED("access_denied", 400),
    UNSUPPORTED_RESPONSE_TYPE("unsupported_response_type", 400),
    LOGIN_REQUIRED("login_required", 400),
    CONSENT_REQUIRED("consent_required", 400),
    // OpenID Connect Core §3.1.2.6: request objects are not supported (discovery says so).
    REQUEST_NOT_SUPPORTED("request_not_supported", 400),
    REQUEST_URI_NOT_SUPPORTED("request_uri_not_supported", 400),
    // The device authorization grant's polling answers (RFC 8628 §3.5).
    AUTHORIZATION_PENDING("authorization_pending", 400),
    SLOW_DOWN("slow_down", 400),
    EXPIRED_TOKEN("expired_token", 400),
    // DPoP (RFC 9449 §5, §7.1, §8): a bad proof, or one without the server's current nonce. At a
    // resource they come with 401 and a DPoP challenge; at the token endpoint they are 400s.
    INVALID_DPOP_PROOF("invalid_dpop_proof", 400),
    USE_DPOP_NONCE("use_dpop_nonce", 400),
    RESOURCE_INVALID_DPOP_PROOF("invalid_dpop_proof", 401),
    RESOURCE_USE_DPOP_NONCE("use_dpop_nonce", 401);

    private final String code;
    private final int status;

    OAuthError(String code, int status) {
        this.code = code;
        this.status = status;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }
}
