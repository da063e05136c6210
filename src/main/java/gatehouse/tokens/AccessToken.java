package gatehouse.tokens;

import java.time.Instant;
import java.util.UUID;

/** An issued access token as stored (its value exists only as a hash). */
public record AccessToken(
        UUID id,
        String clientId,
        UUID userId,
        UUID organizationId,
        String actor,
        String scope,
        UUID grantId,
        String grantType,
        boolean singlePerInstallation,
        Instant createdAt,
        Instant expiresAt,
        Instant revokedAt) {

    public boolean isActive(Instant now) {
        return revokedAt == null && now.isBefore(expiresAt);
    }

    /** RFC 9068 / docs/http.md, "Conventions": the user for actor {@code self}, the app for actor {@code app}. */
    public String subject() {
        return userId != null ? userId.toString() : clientId;
    }
}
