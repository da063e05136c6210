package gatehouse.tokens;

import java.time.Instant;
import java.util.UUID;

/** A refresh token as stored, with the grant (family) it belongs to. */
public record RefreshToken(
        UUID id,
        UUID grantId,
        UUID parentId,
        String clientId,
        String scope,
        Instant createdAt,
        Instant expiresAt,
        Instant rotatedAt,
        boolean graceUsed,
        Instant revokedAt) {

    /** The longest window an app may give a retired token's retry (refresh_token_grace_seconds). */
    public static final int MAX_GRACE_SECONDS = 300;

    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
