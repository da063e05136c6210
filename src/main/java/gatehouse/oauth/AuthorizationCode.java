package gatehouse.oauth;

import java.time.Instant;
import java.util.UUID;

/**
 * An authorization code as stored. {@code redirectUriSent} records whether the authorization
 * request named the redirect URI, which makes it required at the token endpoint (RFC 6749 §4.1.3).
 * {@code grantId} is the family every token issued from the code will belong to. For OpenID
 * Connect, {@code nonce} is what the app sent (echoed in the ID token) and {@code authTime} when the
 * user signed in to the browser session that approved it; both null when the app did not ask.
 * {@code resource} is the resource server its tokens are for (RFC 8707), null for the default.
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
        Instant consumedAt,
        String nonce,
        Instant authTime,
        String resource) {

    /** A code for Gatehouse's default audience (no resource indicator). */
    public AuthorizationCode(String clientId, UUID userId, UUID organizationId, String actor, String scope,
                             String redirectUri, boolean redirectUriSent, String codeChallenge, UUID grantId,
                             Instant createdAt, Instant expiresAt, Instant consumedAt, String nonce, Instant authTime) {
        this(clientId, userId, organizationId, actor, scope, redirectUri, redirectUriSent, codeChallenge, grantId,
                createdAt, expiresAt, consumedAt, nonce, authTime, null);
    }
}
