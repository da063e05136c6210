package gatehouse.consent;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** What a user let an app do, in one organization and as one actor. Active while not revoked. */
public record Consent(
        UUID id,
        UUID userId,
        String clientId,
        UUID organizationId,
        String actor,
        List<String> scopes,
        Instant createdAt,
        Instant updatedAt,
        Instant revokedAt) {

    public boolean covers(Collection<String> requested) {
        return scopes.containsAll(requested);
    }
}
