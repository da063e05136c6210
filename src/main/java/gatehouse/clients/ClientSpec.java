package gatehouse.clients;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * An app as a create or update request describes it. Every field may be null; {@code present}
 * names the JSON members that were sent, so an update changes only those (a member sent as null
 * clears an optional field).
 */
public record ClientSpec(
        Set<String> present,
        String name,
        String description,
        String homepageUrl,
        UUID ownerOrgId,
        List<String> redirectUris,
        List<String> postLogoutRedirectUris,
        List<String> grantTypes,
        String scope,
        Boolean confidential,
        List<String> actorModes,
        String accessTokenFormat,
        String accessTokenSigningAlg,
        String accessTokenJwtTyp,
        String idTokenSignedResponseAlg,
        Integer accessTokenTtl,
        Boolean refreshTokenRotation,
        Integer refreshTokenGraceSeconds,
        Integer refreshTokenTtl,
        String webhookUrl,
        List<String> webhookEvents,
        Boolean resourceServer,
        Boolean requirePushedAuthorizationRequests,
        Boolean dpopBoundAccessTokens,
        String tokenEndpointAuthMethod,
        JsonNode jwks,
        String jwksUri,
        String resource,
        List<VaultAccess> vaultAccess) {

    public boolean has(String member) {
        return present.contains(member);
    }
}
