package gatehouse.vault;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A link between one organization and one external account (API.md §6); never holds token material. */
public record Connection(
        UUID id,
        String platform,
        String kind,
        UUID organizationId,
        String externalId,
        String externalName,
        List<String> scopes,
        String status,
        Instant createdAt,
        Instant updatedAt,
        Instant expiresAt,
        Instant lastRefreshedAt,
        String lastError,
        @JsonIgnore UUID credentialId) {
    public static final String ACTIVE = "active";
    public static final String NEEDS_REAUTH = "needs_reauth";
    public static final String REVOKED = "revoked";
}
