package gatehouse.oauth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The token endpoint's success body (RFC 6749 §5.1 plus the installation facts of docs/http.md, "The
 * OAuth flows"), and the ID token of an OpenID Connect sign-in (Core §3.1.3.3), else null.
 */
public record TokenResponse(
        String accessToken,
        String tokenType,
        long expiresIn,
        String refreshToken,
        String scope,
        UUID organizationId,
        String actor,
        String idToken) {

    public TokenResponse withIdToken(String value) {
        return new TokenResponse(accessToken, tokenType, expiresIn, refreshToken, scope, organizationId, actor, value);
    }

    /** The body's members in order: refresh_token only when there is one, every other one always. */
    public Map<String, Object> members() {
        var members = new LinkedHashMap<String, Object>(10);
        members.put("access_token", accessToken);
        members.put("token_type", tokenType);
        members.put("expires_in", expiresIn);
        if (refreshToken != null) {
            members.put("refresh_token", refreshToken);
        }
        members.put("scope", scope);
        if (idToken != null) {
            members.put("id_token", idToken);
        }
        members.put("organization_id", organizationId);
        members.put("actor", actor);
        return members;
    }
}
