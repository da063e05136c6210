package gatehouse.oauth;

import com.nimbusds.jwt.JWTClaimsSet;
import gatehouse.errors.OAuthException;
import gatehouse.jwt.SigningKeys;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * OpenID Connect's {@code id_token_hint} (Core §3.1.2.1, RP-Initiated Logout §2): an ID token this
 * server issued, expired or not, which names the user a relying party believes is signed in and the
 * app it was issued to. Anything else — a token of another issuer, an access token, a forged or
 * unparseable one — is {@code invalid_request}.
 */
public final class IdTokenHints {
    /** Longer than any ID token Gatehouse signs (~1 KB for RS256); a bigger value is not one of ours. */
    private static final int MAX_LENGTH = 8_192;

    private final SigningKeys keys;
    private final String issuer;

    public IdTokenHints(SigningKeys keys, String issuer) {
        this.keys = keys;
        this.issuer = issuer;
    }

    /** Who the hint names, the apps it was issued to ({@code aud}), and when that user signed in. */
    public record Hint(UUID userId, List<String> audience, Instant authTime) {
    }

    public Hint verify(String value) {
        JWTClaimsSet claims = value.length() > MAX_LENGTH ? null : keys.verifiedClaims(value).orElse(null);
        if (claims == null || !issuer.equals(claims.getIssuer()) || claims.getSubject() == null || !looksLikeAnIdToken(claims)) {
            throw OAuthException.invalidRequest("id_token_hint is not an ID token Gatehouse issued");
        }
        try {
            Date authTime = claims.getDateClaim("auth_time");
            return new Hint(UUID.fromString(claims.getSubject()), claims.getAudience(),
                    authTime == null ? null : authTime.toInstant());
        } catch (IllegalArgumentException | ParseException e) {
            throw OAuthException.invalidRequest("id_token_hint is not an ID token Gatehouse issued");
        }
    }

    /**
     * Gatehouse's ID tokens name the app they were issued to ({@code azp}); its JWT access tokens,
     * which the same keys sign and which may also say {@code typ: JWT}, carry {@code client_id} and
     * {@code scope} instead.
     */
    private static boolean looksLikeAnIdToken(JWTClaimsSet claims) {
        return claims.getClaim("azp") != null && claims.getClaim("client_id") == null && claims.getClaim("scope") == null;
    }
}
