package gatehouse.webhooks;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.UUID;

/**
 * One event for one app, and how its delivery went (docs/http.md, "The management API" delivery log). {@code cancelledAt}:
 * when the app's disconnection from the organization cancelled it; it is never sent again.
 */
public record WebhookDelivery(
        UUID id,
        String clientId,
        UUID eventId,
        String eventType,
        UUID organizationId,
        @JsonIgnore String payload,
        String status,
        int attempts,
        Instant nextAttemptAt,
        @JsonIgnore Instant giveUpAt,
        Instant lastAttemptAt,
        Integer lastStatus,
        String lastError,
        Instant createdAt,
        Instant deliveredAt,
        Instant cancelledAt) {
}
