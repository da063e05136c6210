package gatehouse.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/** One audit log entry as the API shows it (docs/http.md, "The management API"). {@code details} never holds a secret. */
public record AuditEntry(UUID id, Instant at, String action, String actorType, String actorId, String clientId,
                         UUID organizationId, String ip, String userAgent, String outcome, JsonNode details) {
}
