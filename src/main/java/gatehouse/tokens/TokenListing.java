package gatehouse.tokens;

import java.time.Instant;
import java.util.UUID;

/** A live token as the token list shows it (docs/http.md, "The management API"): facts only, never the value. */
public record TokenListing(UUID id, String type, String clientId, UUID userId, UUID organizationId, String actor,
                           String scope, Instant createdAt, Instant expiresAt) {

    /** Which tokens a list or bulk revocation covers; null members match everything. */
    public record Filter(String clientId, UUID userId, UUID organizationId) {
        public boolean isEmpty() {
            return clientId == null && userId == null && organizationId == null;
        }
    }
}
