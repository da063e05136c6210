package gatehouse.installations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An app installed in an organization, with the scopes its admins approved (docs/http.md, "The management API"). */
public record Installation(
        UUID id,
        String clientId,
        String clientName,
        UUID organizationId,
        UUID installedBy,
        List<String> scopes,
        Instant createdAt,
        Instant updatedAt,
        Instant revokedAt) {
}
