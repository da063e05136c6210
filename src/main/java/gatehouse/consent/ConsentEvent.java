package gatehouse.consent;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One entry of a user's consent history: {@code granted}, {@code updated} or {@code revoked}. */
public record ConsentEvent(UUID id, UUID consentId, String clientId, UUID organizationId, String actor, String event,
                           List<String> scopes, Instant at) {
}
