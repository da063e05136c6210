package gatehouse.tokens;

import java.time.Instant;
import java.util.UUID;

/**
 * An issued access token as stored (its value exists only as a hash). {@code dpopJkt} is the JWK
 * thumbprint of the key it is bound to (RFC 9449 {@code cnf.jkt}), null for a plain bearer token;
 * {@code audience} the resource server it is for (RFC 8707), null for Gatehouse's default audience;
 * {@code act} who acts with it (RFC 8693 §4.1, a JSON object), null when nobody acts for the subject.
 */
public record AccessToken(
        UUID id,
        String clientId,
        UUID userId,
        UUID organizationId,
        String actor,
        String scope,
        UUID grantId,
        String grantType,
        boolean singlePerInstallation,
        Instant createdAt,
        Instant expiresAt,
        Instant revokedAt,
        String dpopJkt,
        String audience,
        String act) {

    /** A token bound to {@code dpopJkt} (or none), for Gatehouse's default audience, on nobody's behalf. */
    public AccessToken(UUID id, String clientId, UUID userId, UUID organizationId, String actor, String scope,
                       UUID grantId, String grantType, boolean singlePerInstallation, Instant createdAt,
                       Instant expiresAt, Instant revokedAt, String dpopJkt) {
        this(id, clientId, userId, organizationId, actor, scope, grantId, grantType, singlePerInstallation, createdAt,
                expiresAt, revokedAt, dpopJkt, null, null);
    }

    /** A bearer token: bound to no key. */
    public AccessToken(UUID id, String clientId, UUID userId, UUID organizationId, String actor, String scope,
                       UUID grantId, String grantType, boolean singlePerInstallation, Instant createdAt,
                       Instant expiresAt, Instant revokedAt) {
        this(id, clientId, userId, organizationId, actor, scope, grantId, grantType, singlePerInstallation, createdAt,
                expiresAt, revokedAt, null);
    }

    /** How it is presented: {@code DPoP} when bound to a key, else {@code Bearer}. */
    public String tokenType() {
        return dpopJkt == null ? "Bearer" : "DPoP";
    }

    public boolean isActive(Instant now) {
        return revokedAt == null && now.isBefore(expiresAt);
    }

    /** RFC 9068 / docs/http.md, "Conventions": the user for actor {@code self}, the app for actor {@code app}. */
    public String subject() {
        return userId != null ? userId.toString() : clientId;
    }
}
