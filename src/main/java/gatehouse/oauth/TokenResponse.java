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
        String idToken,
        String issuedTokenType) {

    public TokenResponse(String accessToken, String tokenType, long expiresIn, String refreshToken, String scope,
                         UUID organizationId, String actor, String idToken) {
        this(accessToken, tokenType, expiresIn, refreshToken, scope, organizationId, actor, idToken, null);
    }

    public TokenResponse withIdToken(String value) {
        return new TokenResponse(accessToken, tokenType, expiresIn, refreshToken, scope, organizationId, actor, value,
                issuedTokenType);
    }

    /** The answer of a token exchange (RFC 8693 §2.2.1), which says what kind of token it issued. */
    public TokenResponse withIssuedTokenType(String type) {
        return new TokenResponse(accessToken, tokenType, expiresIn, refreshToken, scope, organizationId, actor, idToken,
                type);
    }

    /** The body's members in order: refresh_token only when there is one, every other one always. */
    public Map<String, Object> members() {
        var members = new LinkedHashMap<String, Object>(10);
        members.put("access_token", accessToken);
        if (issuedTokenType != null) {
            members.put("issued_token_type", issuedTokenType);
        }
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
