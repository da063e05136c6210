package gatehouse.oauth;

import gatehouse.tokens.RefreshToken;
import gatehouse.tokens.TokenGrant;
import java.util.Optional;
import java.util.UUID;

/**
 * Token families (grants): what one authorization produced, its refresh tokens and the access
 * tokens issued from them. What the refresh_token grant reads and retires, and what a refused
 * exchange revokes.
 */
public interface TokenFamilies {

    /**
     * A refresh token with its family, and whether the user who approved the family is disabled and
     * has a verified email address.
     */
    record Found(RefreshToken token, TokenGrant grant, boolean ownerDisabled, boolean ownerEmailVerified) {
    }

    /**
     * The refresh token behind the hash, held until the unit of work ends, and with it the
     * installation its family's access tokens belong to (so the exchange's store may replace the
     * installation's token); empty if unknown.
     */
    Optional<Found> lockRefreshToken(Tx tx, byte[] hash);

    /**
     * Spends the retired token's one retry: only if it was not spent, a successor was kept, and that
     * successor has not been rotated itself. Returns the kept (sealed) successor, which is
     * forgotten; empty when the retry is not allowed.
     */
    Optional<String> claimGraceRetry(Tx tx, UUID refreshId);

    /**
     * Binds a family that is bound to no key yet to {@code dpopJkt} (RFC 9449 §5: a public app's
     * refresh tokens are bound once it presents a proof).
     */
    void bindKey(Tx tx, UUID grantId, String dpopJkt);

    /** Revokes the family and every refresh and access token of it. */
    void revoke(Tx tx, UUID grantId);

    /** Revokes the family because a retired refresh token of it came back, and records that in the audit log. */
    void revokeOnReuse(Tx tx, String clientId, TokenGrant grant);

}
