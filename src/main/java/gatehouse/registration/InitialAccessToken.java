package gatehouse.registration;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.UUID;

/**
 * An initial access token (RFC 7591 §3) as the management API shows it: never its value, which is
 * shown once, when it is created. It registers apps into {@code organizationId} until it expires,
 * is revoked, or has registered {@code maxUses} of them.
 */
public record InitialAccessToken(
        UUID id,
        UUID organizationId,
        UUID createdBy,
        Instant createdAt,
        Instant expiresAt,
        int maxUses,
        int uses,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant revokedAt) {
}
