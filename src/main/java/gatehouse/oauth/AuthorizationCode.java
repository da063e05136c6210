package gatehouse.oauth;

import java.time.Instant;
import java.util.UUID;

/**
 * An authorization code as stored. {@code redirectUriSent} records whether the authorization
 * request named the redirect URI, which makes it required at the token endpoint (RFC 6749 §4.1.3).
 * {@code grantId} is the family every token issued from the code will belong to.
 */
public record AuthorizationCode(
        String clientId,
        UUID userId,
        UUID organizationId,
        String actor,
        String scope,
        String redirectUri,
        boolean redirectUriSent,
        String codeChallenge,
        UUID grantId,
        Instant createdAt,
        Instant expiresAt,
        Instant consumedAt) {
}
