package gatehouse.installations;

import gatehouse.clients.VaultAccess;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An app installed in an organization, with the scopes its admins approved (docs/http.md, "The
 * management API") and the vault access they granted it (docs/vault-proxy.md, "Brokered access").
 */
public record Installation(
        UUID id,
        String clientId,
        String clientName,
        UUID organizationId,
        UUID installedBy,
        List<String> scopes,
        List<VaultAccess> vaultAccess,
        Instant createdAt,
        Instant updatedAt,
        Instant revokedAt) {
}
