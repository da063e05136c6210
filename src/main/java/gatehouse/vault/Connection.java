package gatehouse.vault;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A link between one organization and one external account (docs/http.md, "The vault"); never holds token material. */
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
    /** GitHub suspended the App installation: kept, but nothing is handed out until it is unsuspended. */
    public static final String SUSPENDED = "suspended";
    public static final String REVOKED = "revoked";

    /** What the audit log records of a connection: never token material. */
    public Map<String, Object> auditDetails() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connection_id", id.toString());
        details.put("platform", platform);
        details.put("kind", kind);
        details.put("external_id", externalId);
        return details;
    }
}
