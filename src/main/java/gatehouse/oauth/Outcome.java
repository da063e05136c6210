package gatehouse.oauth;

import gatehouse.errors.OAuthException;

/**
 * What a grant's transaction produced: tokens, or the reason it refused. A refusal is returned
 * rather than thrown so that what the refusal itself must write (a consumed code, a revoked family)
 * commits; {@link #orThrow()} then raises it outside the transaction.
 */
record Outcome(TokenResponse response, String refusal) {

    static Outcome issued(TokenResponse response) {
        return new Outcome(response, null);
    }

    static Outcome refused(String why) {
        return new Outcome(null, why);
    }

    /** The tokens, or invalid_grant with the refusal as its (log-only) detail. */
    TokenResponse orThrow() {
        if (refusal != null) {
            throw OAuthException.invalidGrant(refusal);
        }
        return response;
    }
}
