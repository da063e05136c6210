package gatehouse.oauth;

import java.time.Instant;
import java.util.Optional;

/** Authorization codes, by the SHA-256 of their value. */
public interface AuthorizationCodes {

    /** Stores a code issued at the consent step. */
    void insert(Tx tx, AuthorizationCode code, byte[] hash);

    /**
     * A code just consumed, with what its redemption still depends on, as it stands now: whether
     * the user is still a member of the code's organization (an owner or admin for actor
     * {@code app}), whether an active consent of exactly the code's (user, app, organization, actor)
     * still covers its scopes, and whether the user's email address is verified.
     */
    record Redeemed(AuthorizationCode code, boolean stillMember, boolean consentCovers, boolean emailVerified) {
    }

    /**
     * Marks the code used, at once, if it is unused, belongs to {@code clientId} and its user is not
     * disabled, and holds the installation its tokens will belong to until the unit of work ends (so
     * the exchange's store may replace the installation's token). Returns the code as it was; empty
     * means unknown, foreign, used or refused. An expired code is consumed too (the grant refuses
     * it), so it cannot be tried again.
     */
    Optional<Redeemed> consume(Tx tx, byte[] hash, String clientId, Instant now);

    /** The code whatever its state, e.g. to revoke what a replayed code issued. */
    Optional<AuthorizationCode> find(Tx tx, byte[] hash);
}
