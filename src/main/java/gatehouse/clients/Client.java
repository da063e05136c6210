package gatehouse.clients;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import gatehouse.auth.ActorMode;
import gatehouse.tokens.AccessTokenSigner;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An OAuth app as stored. Its secret exists only as a SHA-256 hash.
 *
 * <p>{@code scopes} are the scopes it requests; {@code approvedScopes} and
 * {@code approvedGrantTypes} the restricted scopes and grant types a platform admin approved for it
 * (an explicit act, see ClientApprovals); {@code allowedScopes} the scopes it may use now —
 * requested and either unrestricted in the catalog or approved — computed by the database when the
 * app is read, so every grant checks against the catalog as it is.
 */
public record Client(
        String clientId,
        UUID id,
        byte[] secretHash,
        byte[] previousSecretHash,
        Instant previousSecretExpiresAt,
        String name,
        String description,
        String homepageUrl,
        UUID ownerOrgId,
        List<String> redirectUris,
        List<String> postLogoutRedirectUris,
        List<String> grantTypes,
        List<String> scopes,
        List<String> approvedScopes,
        List<String> allowedScopes,
        List<String> approvedGrantTypes,
        boolean confidential,
        List<String> actorModes,
        String accessTokenFormat,
        String accessTokenSigningAlg,
        String accessTokenJwtTyp,
        String idTokenSignedResponseAlg,
        int accessTokenTtl,
        boolean refreshTokenRotation,
        int refreshTokenGraceSeconds,
        Integer refreshTokenTtl,
        String webhookUrl,
        List<String> webhookEvents,
        boolean resourceServer,
        boolean requirePushedAuthorizationRequests,
        boolean dpopBoundAccessTokens,
        Authentication authentication,
        String resource,
        Vault vault,
        UUID createdBy,
        Instant createdAt,
        Instant updatedAt) {

    public static final String AUTHORIZATION_CODE = "authorization_code";
    public static final String REFRESH_TOKEN = "refresh_token";
    public static final String CLIENT_CREDENTIALS = "client_credentials";
    public static final String PASSWORD = "password";
    /** RFC 8628: a device without a browser (a CLI, an agent) polls while its user approves elsewhere. */
    public static final String DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
    /** RFC 8693: a service exchanges a user's token for a narrower one, e.g. for another audience. */
    public static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final List<String> GRANT_TYPES = List.of(AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS, PASSWORD,
            DEVICE_CODE, TOKEN_EXCHANGE);
    public static final List<String> ACTORS = ActorMode.VALUES;
    /**
     * Grant types an app gets only from a platform admin (docs/http.md, "The management API"): the
     * user's password is first-party only; exchanging users' tokens is for trusted services only.
     */
    public static final List<String> RESTRICTED_GRANT_TYPES = List.of(PASSWORD, TOKEN_EXCHANGE);

    public static final String JWT = "jwt";
    public static final List<String> SIGNING_ALGS = List.of("ES256", "RS256");

    /** The ID tokens' algorithm when the app sets none: RS256, which every OpenID relying party accepts. */
    public static final String DEFAULT_ID_TOKEN_ALG = "RS256";

    /** The algorithm to sign this app's ID tokens with (OpenID Connect Registration's id_token_signed_response_alg). */
    public String idTokenAlg() {
        return idTokenSignedResponseAlg == null ? DEFAULT_ID_TOKEN_ALG : idTokenSignedResponseAlg;
    }

    /**
     * The {@code typ} of the app's JWT access tokens: RFC 9068's {@code at+jwt}, or {@code JWT} for
     * resource servers that accept nothing else (Spring Security's, configured by issuer alone).
     */
    public static final List<String> JWT_TYPES = List.of("at+jwt", "JWT");

    /** How to sign this app's access tokens (algorithm and typ); null when they are opaque. */
    public AccessTokenSigner.Format jwtFormat() {
        return JWT.equals(accessTokenFormat)
                ? new AccessTokenSigner.Format(accessTokenSigningAlg, accessTokenJwtTyp) : null;
    }

    /** Registered for the grant type and, for a restricted one, approved by an admin. */
    public boolean allowsGrant(String grantType) {
        return grantTypes.contains(grantType)
                && (!RESTRICTED_GRANT_TYPES.contains(grantType) || approvedGrantTypes.contains(grantType));
    }

    /** Requested scopes the app may not use yet: restricted ones no admin approved. */
    public List<String> pendingScopes() {
        return scopes.stream().filter(scope -> !allowedScopes.contains(scope)).toList();
    }

    /** Registered restricted grant types no admin approved. */
    public List<String> pendingGrantTypes() {
        return grantTypes.stream()
                .filter(grant -> RESTRICTED_GRANT_TYPES.contains(grant) && !approvedGrantTypes.contains(grant))
                .toList();
    }

    /** The same app with other approvals (allowed scopes are recomputed when it is read back). */
    public Client withApprovals(List<String> approvedScopesNow, List<String> approvedGrantTypesNow) {
        return new Client(clientId, id, secretHash, previousSecretHash, previousSecretExpiresAt, name, description,
                homepageUrl, ownerOrgId, redirectUris, postLogoutRedirectUris, grantTypes, scopes, List.copyOf(approvedScopesNow),
                allowedScopes,
                List.copyOf(approvedGrantTypesNow), confidential, actorModes, accessTokenFormat, accessTokenSigningAlg,
                accessTokenJwtTyp, idTokenSignedResponseAlg, accessTokenTtl, refreshTokenRotation, refreshTokenGraceSeconds,
                refreshTokenTtl, webhookUrl, webhookEvents, resourceServer, requirePushedAuthorizationRequests,
                dpopBoundAccessTokens, authentication, resource, vault, createdBy,
                createdAt, updatedAt);
    }

    public static final String CLIENT_SECRET_BASIC = "client_secret_basic";
    public static final String CLIENT_SECRET_POST = "client_secret_post";
    public static final String CLIENT_SECRET_JWT = "client_secret_jwt";
    public static final String PRIVATE_KEY_JWT = "private_key_jwt";
    public static final String NONE = "none";
    /** RFC 7591 token_endpoint_auth_method values: the first two (and none) need no setting. */
    public static final List<String> AUTH_METHODS = List.of(CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, CLIENT_SECRET_JWT,
            PRIVATE_KEY_JWT, NONE);

    /**
     * How the app authenticates (RFC 7591 token_endpoint_auth_method): as it chose, else with its
     * secret (Basic or in the body, both accepted) or, for a public app, its client_id alone.
     */
    public String tokenEndpointAuthMethod() {
        return authentication.method() != null ? authentication.method() : confidential ? CLIENT_SECRET_BASIC : NONE;
    }

    /** Whether the app authenticates with a signed JWT (RFC 7523) and with nothing else. */
    public boolean usesAssertions() {
        return CLIENT_SECRET_JWT.equals(authentication.method()) || PRIVATE_KEY_JWT.equals(authentication.method());
    }

    /**
     * What the app registered to prove itself with a signed JWT: the method it chose (null: the
     * secret as always), its public keys ({@code jwksJson}, a JWK set) or where it publishes them
     * ({@code jwksUri}), and for client_secret_jwt its secret, Fernet-encrypted ({@code sealedSecret},
     * never shown; for every other app null, as only the secret's hash is kept).
     */
    public record Authentication(String method, String jwksJson, String jwksUri, String sealedSecret) {
        public static final Authentication SECRET = new Authentication(null, null, null, null);
    }

    /** The same app with other authentication settings. */
    public Client withAuthentication(Authentication changed) {
        return new Client(clientId, id, secretHash, previousSecretHash, previousSecretExpiresAt, name, description,
                homepageUrl, ownerOrgId, redirectUris, postLogoutRedirectUris, grantTypes, scopes, approvedScopes,
                allowedScopes, approvedGrantTypes, confidential, actorModes, accessTokenFormat, accessTokenSigningAlg,
                accessTokenJwtTyp, idTokenSignedResponseAlg, accessTokenTtl, refreshTokenRotation, refreshTokenGraceSeconds,
                refreshTokenTtl, webhookUrl, webhookEvents, resourceServer, requirePushedAuthorizationRequests,
                dpopBoundAccessTokens, changed, resource, vault, createdBy, createdAt, updatedAt);
    }

    /**
     * Brokered vault access (docs/vault-proxy.md): the rules the app asks for, and those a platform
     * admin approved; it may use the rules in both.
     */
    public record Vault(List<VaultAccess> requested, List<VaultAccess> approved) {
        public static final Vault NONE = new Vault(List.of(), List.of());

        public Vault {
            requested = List.copyOf(requested);
            approved = List.copyOf(approved);
        }

        public List<VaultAccess> effective() {
            return VaultAccess.both(requested, approved);
        }

        public List<VaultAccess> pending() {
            return requested.stream().filter(rule -> !approved.contains(rule)).toList();
        }
    }

    /** The same app with other vault access settings. */
    public Client withVault(Vault changed) {
        return new Client(clientId, id, secretHash, previousSecretHash, previousSecretExpiresAt, name, description,
                homepageUrl, ownerOrgId, redirectUris, postLogoutRedirectUris, grantTypes, scopes, approvedScopes,
                allowedScopes, approvedGrantTypes, confidential, actorModes, accessTokenFormat, accessTokenSigningAlg,
                accessTokenJwtTyp, idTokenSignedResponseAlg, accessTokenTtl, refreshTokenRotation, refreshTokenGraceSeconds,
                refreshTokenTtl, webhookUrl, webhookEvents, resourceServer, requirePushedAuthorizationRequests,
                dpopBoundAccessTokens, authentication, resource, changed, createdBy, createdAt, updatedAt);
    }

    /** The actor a request gets when it names none: the app's first actor mode (docs/http.md, "The OAuth flows"). */
    public String defaultActor() {
        return actorModes.getFirst();
    }

    public View view(String clientSecret) {
        return new View(id, clientId, clientSecret, name, description, homepageUrl, ownerOrgId, redirectUris,
                postLogoutRedirectUris, grantTypes, String.join(" ", scopes), String.join(" ", approvedScopes),
                String.join(" ", allowedScopes),
                String.join(" ", pendingScopes()), approvedGrantTypes, pendingGrantTypes(), confidential,
                tokenEndpointAuthMethod(), actorModes, accessTokenFormat, accessTokenSigningAlg,
                accessTokenJwtTyp, idTokenAlg(), accessTokenTtl,
                refreshTokenRotation, refreshTokenGraceSeconds, refreshTokenTtl, webhookUrl, webhookEvents,
                resourceServer, resource, requirePushedAuthorizationRequests, dpopBoundAccessTokens,
                authentication.jwksJson(), authentication.jwksUri(), vault.requested(), vault.effective(), vault.pending(),
                createdAt, updatedAt);
    }

    /** The app as the API shows it; {@code client_secret} appears only when just created or rotated. */
    public record View(
            UUID id,
            String clientId,
            @JsonInclude(JsonInclude.Include.NON_NULL) String clientSecret,
            String name,
            String description,
            String homepageUrl,
            UUID ownerOrgId,
            List<String> redirectUris,
            List<String> postLogoutRedirectUris,
            List<String> grantTypes,
            String scope,
            String approvedScopes,
            String allowedScopes,
            String pendingScopes,
            List<String> approvedGrantTypes,
            List<String> pendingGrantTypes,
            boolean confidential,
            String tokenEndpointAuthMethod,
            List<String> actorModes,
            String accessTokenFormat,
            String accessTokenSigningAlg,
            String accessTokenJwtTyp,
            String idTokenSignedResponseAlg,
            int accessTokenTtl,
            boolean refreshTokenRotation,
            int refreshTokenGraceSeconds,
            Integer refreshTokenTtl,
            String webhookUrl,
            List<String> webhookEvents,
            boolean resourceServer,
            @JsonInclude(JsonInclude.Include.NON_NULL) String resource,
            boolean requirePushedAuthorizationRequests,
            boolean dpopBoundAccessTokens,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonRawValue String jwks,
            @JsonInclude(JsonInclude.Include.NON_NULL) String jwksUri,
            List<VaultAccess> vaultAccess,
            List<VaultAccess> approvedVaultAccess,
            List<VaultAccess> pendingVaultAccess,
            Instant createdAt,
            Instant updatedAt) {
    }
}
