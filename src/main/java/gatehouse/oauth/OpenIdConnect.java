package gatehouse.oauth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.Subject;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.claims.AccessTokenHash;
import com.nimbusds.openid.connect.sdk.claims.AuthorizedParty;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import gatehouse.auth.ActorMode;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.jwt.SigningKeys;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The OpenID Connect Core 1.0 rules (docs/openid-connect.md): which requests sign a user in, the
 * parameters they add to the authorization request, the ID token's claims and the UserInfo answer.
 * Only the authorization-code flow signs in; {@code sub} is the user's ID, the same for every app.
 */
public final class OpenIdConnect {
    public static final String SCOPE = "openid";
    public static final String PROFILE = "profile";
    public static final String EMAIL = "email";
    /** The scopes about the signed-in user; an app asks for them by name, never by default. */
    public static final Set<String> SCOPES = Set.of(SCOPE, PROFILE, EMAIL);
    /**
     * The ID tokens' algorithms: RS256 by default (OpenID Connect Discovery requires every provider
     * to offer it), ES256 for an app that sets {@code id_token_signed_response_alg}.
     */
    public static final List<JWSAlgorithm> ID_TOKEN_ALGS = List.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
    /** Gatehouse's claim for the organization a sign-in was bound to, as its access tokens carry it. */
    public static final String ORGANIZATION_ID = "organization_id";
    /** Longest nonce kept: far more than any random value needs, and bounded so a code row stays small. */
    static final int MAX_NONCE = 512;
    /** The claims Gatehouse can put in an ID token or a UserInfo answer (discovery's claims_supported). */
    public static final List<String> CLAIMS = List.of("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
            "azp", ORGANIZATION_ID, "name", "preferred_username", "updated_at", "email", "email_verified");

    private OpenIdConnect() {
    }

    /**
     * Refuses {@code openid} for actor {@code app} (an authorization for the app itself, or
     * client_credentials): an ID token and UserInfo say which user signed in, and an app acting as
     * itself has none to speak for.
     */
    static void requireUserFor(Set<String> scopes, String actor) {
        if (scopes.contains(SCOPE) && ActorMode.APP.is(actor)) {
            throw OAuthException.of(OAuthError.INVALID_SCOPE, "openid signs a user in: it needs actor self");
        }
    }

    /**
     * The {@code nonce} parameter, kept as sent: printable characters, not only spaces, at most
     * {@link #MAX_NONCE} of them.
     */
    static String nonce(String value) {
        if (value == null) {
            return null;
        }
        if (value.length() > MAX_NONCE) {
            throw OAuthException.invalidRequest("nonce is longer than " + MAX_NONCE + " characters");
        }
        if (value.isBlank() || value.chars().anyMatch(Character::isISOControl)) {
            throw OAuthException.invalidRequest("nonce must be printable characters, not only spaces");
        }
        return value;
    }

    /** Request objects (Core §6) are not supported: refused by name, so no nonce inside one is lost. */
    static void refuseRequestObjects(String request, String requestUri) {
        if (request != null) {
            throw OAuthException.of(OAuthError.REQUEST_NOT_SUPPORTED, "request objects are not supported");
        }
        if (requestUri != null) {
            throw OAuthException.of(OAuthError.REQUEST_URI_NOT_SUPPORTED, "request_uri is not supported");
        }
    }

    /** The {@code max_age} parameter: whole seconds, zero or more; null when absent. */
    static Long maxAge(String value) {
        if (value == null) {
            return null;
        }
        if (!value.matches("[0-9]{1,10}")) {
            throw OAuthException.invalidRequest("max_age must be a number of seconds");
        }
        return Long.parseLong(value);
    }

    /** Whether a user who signed in at {@code signedInAt} must sign in again for {@code maxAge}. */
    static boolean signedInTooLongAgo(Long maxAge, Instant signedInAt, Instant now) {
        return maxAge != null && (signedInAt == null || now.isAfter(signedInAt.plusSeconds(maxAge)));
    }

    /** What an ID token says: the sign-in ({@code code}) and the access token it comes with. */
    record IdTokenFacts(UUID userId, String clientId, UUID organizationId, String nonce, Instant authTime,
                        String accessToken, Instant issuedAt, Instant expiresAt) {
    }

    /**
     * When an ID token issued at {@code now} with an access token living {@code accessTokenTtl}
     * seconds expires: with the access token, but never later than the signing keys keep a retired
     * key published for tokens they do not store.
     */
    static Instant idTokenExpiry(Instant now, long accessTokenTtl) {
        return now.plusSeconds(Math.min(accessTokenTtl, SigningKeys.MAX_ID_TOKEN_LIFETIME.toSeconds()));
    }

    /**
     * The ID token's claims (Core §2, §3.1.3.6): {@code iss}, {@code sub}, {@code aud} and
     * {@code azp} (the app), {@code exp}, {@code iat}, {@code auth_time}, {@code nonce} when the app
     * sent one, {@code at_hash} of the access token beside it, and {@code organization_id} when the
     * sign-in was bound to one. The user's name and address come from UserInfo (Core §5.4).
     */
    static JWTClaimsSet idTokenClaims(String issuer, IdTokenFacts facts, JWSAlgorithm alg) {
        var claims = new IDTokenClaimsSet(new Issuer(issuer), new Subject(facts.userId().toString()),
                new Audience(facts.clientId()).toSingleAudienceList(), Date.from(facts.expiresAt()),
                Date.from(facts.issuedAt()));
        claims.setAuthorizedParty(new AuthorizedParty(facts.clientId()));
        if (facts.authTime() != null) {
            claims.setAuthenticationTime(Date.from(facts.authTime()));
        }
        if (facts.nonce() != null) {
            claims.setNonce(new Nonce(facts.nonce()));
        }
        claims.setAccessTokenHash(AccessTokenHash.compute(new BearerAccessToken(facts.accessToken()), alg, null));
        if (facts.organizationId() != null) {
            claims.setClaim(ORGANIZATION_ID, facts.organizationId().toString());
        }
        try {
            return claims.toJWTClaimsSet();
        } catch (com.nimbusds.oauth2.sdk.ParseException e) {
            throw new IllegalStateException("ID token claims that Nimbus cannot write", e);
        }
    }

    /** The user a UserInfo answer describes. */
    public record UserFacts(UUID id, String username, String name, boolean emailVerified, Instant updatedAt) {
    }

    /**
     * The UserInfo answer (Core §5.3) for a token's scopes: {@code sub} always; {@code profile}
     * adds {@code name}, {@code preferred_username} and {@code updated_at}; {@code email} the
     * username (an email address) as {@code email} and {@code email_verified}; and
     * {@code organization_id} when the token is bound to one.
     */
    public static UserInfo userInfo(UserFacts user, Set<String> scopes, UUID organizationId) {
        var info = new UserInfo(new Subject(user.id().toString()));
        if (scopes.contains(PROFILE)) {
            info.setName(user.name().isEmpty() ? null : user.name());
            info.setPreferredUsername(user.username());
            info.setUpdatedTime(Date.from(user.updatedAt()));
        }
        if (scopes.contains(EMAIL)) {
            info.setClaim("email", user.username());
            info.setEmailVerified(user.emailVerified());
        }
        if (organizationId != null) {
            info.setClaim(ORGANIZATION_ID, organizationId.toString());
        }
        return info;
    }
}
