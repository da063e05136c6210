package gatehouse.oauth;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;

/**
 * What a grant's transaction produced: tokens, or the reason it refused. A refusal is returned
 * rather than thrown so that what the refusal itself must write (a consumed code, a revoked family)
 * commits; {@link #orThrow()} then raises it outside the transaction.
 */
record Outcome(TokenResponse response, OAuthError error, String refusal) {

    static Outcome issued(TokenResponse response) {
        return new Outcome(response, null, null);
    }

    /** Refused as invalid_grant. */
    static Outcome refused(String why) {
        return new Outcome(null, OAuthError.INVALID_GRANT, why);
    }

    /** Refused with another code, e.g. a device told to keep polling (RFC 8628 §3.5). */
    static Outcome refused(OAuthError error, String why) {
        return new Outcome(null, error, why);
    }

    /** The tokens, or the refusal's error with its (log-only) detail. */
    TokenResponse orThrow() {
        if (refusal != null) {
            throw error == OAuthError.INVALID_GRANT ? OAuthException.invalidGrant(refusal) : OAuthException.of(error, refusal);
        }
        return response;
    }
}
