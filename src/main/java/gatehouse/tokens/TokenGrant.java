package gatehouse.tokens;

import gatehouse.auth.ActorMode;
import java.time.Instant;
import java.util.UUID;

/**
 * What one authorization produced: a family of refresh tokens and the access tokens issued from
 * them. Revoking it revokes them all. {@code userId} is null for actor {@code app}. {@code dpopJkt}
 * is the key a public app's family is bound to (RFC 9449 §5): its refresh tokens need a proof by it.
 * {@code resource} is the resource server its access tokens are for (RFC 8707), null for the default.
 */
public record TokenGrant(
        UUID id,
        String clientId,
        UUID userId,
        UUID organizationId,
        String actor,
        String scope,
        String grantType,
        Instant createdAt,
        Instant revokedAt,
        String dpopJkt,
        String resource) {

    /** A family for Gatehouse's default audience. */
    public TokenGrant(UUID id, String clientId, UUID userId, UUID organizationId, String actor, String scope,
                      String grantType, Instant createdAt, Instant revokedAt, String dpopJkt) {
        this(id, clientId, userId, organizationId, actor, scope, grantType, createdAt, revokedAt, dpopJkt, null);
    }

    /** The user an access token of this grant acts for: none for actor {@code app}. */
    public static UUID userFor(String actor, UUID userId) {
        return ActorMode.APP.is(actor) ? null : userId;
    }

    public UUID tokenUserId() {
        return userFor(actor, userId);
    }
}
