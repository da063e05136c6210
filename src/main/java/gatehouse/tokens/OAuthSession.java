package gatehouse.tokens;

import java.util.UUID;

/**
 * One OAuth session of a user: a refresh-token family that can still be used (docs/http.md, "The OAuth flows"). The
 * shape is the contract's: {@code created_at} in epoch seconds, {@code token_id} the family's ID.
 */
public record OAuthSession(UUID tokenId, String clientName, String clientId, long createdAt, String scope) {
}
