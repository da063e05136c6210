package gatehouse.oauth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.SubjectType;
import com.nimbusds.openid.connect.sdk.claims.ClaimType;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import gatehouse.auth.DPoPProofs;
import gatehouse.jwt.SigningKeys;
import gatehouse.scopes.ScopeService;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * RFC 8414 metadata, the same document as OpenID Connect Discovery 1.0 provider metadata with the
 * OpenID members added, and the JWKS both point at.
 */
public final class MetadataEndpoint {
    private final String issuer;
    private final ScopeService scopes;
    private final List<String> grantTypes;
    private final SigningKeys signingKeys;

    public MetadataEndpoint(String issuer, ScopeService scopes, List<String> grantTypes, SigningKeys signingKeys) {
        this.signingKeys = signingKeys;
        this.issuer = issuer;
        this.scopes = scopes;
        this.grantTypes = grantTypes;
    }

    public void metadata(Context ctx) {
        var metadata = new AuthorizationServerMetadata(new Issuer(issuer));
        describe(metadata);
        // Written by our mapper: json-smart would escape every slash in the URLs.
        Responses.ok(ctx, metadata.toJSONObject());
    }

    /**
     * {@code /.well-known/openid-configuration}: the OAuth metadata plus UserInfo, the subject type
     * (public: a user's ID, the same for every app), the ID token's algorithm and the claims.
     */
    public void openIdConfiguration(Context ctx) {
        var metadata = new OIDCProviderMetadata(new Issuer(issuer), List.of(SubjectType.PUBLIC),
                URI.create(issuer + "/oauth/jwks"));
        describe(metadata);
        metadata.setUserInfoEndpointURI(URI.create(issuer + "/oauth/userinfo"));
        metadata.setEndSessionEndpointURI(URI.create(issuer + "/oauth/logout"));
        metadata.setIDTokenJWSAlgs(OpenIdConnect.ID_TOKEN_ALGS);
        metadata.setClaims(OpenIdConnect.CLAIMS);
        metadata.setClaimTypes(List.of(ClaimType.NORMAL));
        metadata.setSupportsClaimsParams(false);
        metadata.setSupportsRequestParam(false);
        metadata.setSupportsRequestURIParam(false);
        metadata.setPromptTypes(List.of(Prompt.Type.NONE, Prompt.Type.LOGIN, Prompt.Type.CONSENT));
        Responses.ok(ctx, metadata.toJSONObject());
    }

    /** The members both documents share. */
    private void describe(AuthorizationServerMetadata metadata) {
        metadata.setAuthorizationEndpointURI(URI.create(issuer + "/oauth/authorize"));
        metadata.setTokenEndpointURI(URI.create(issuer + "/oauth/token"));
        metadata.setRevocationEndpointURI(URI.create(issuer + "/oauth/revoke"));
        metadata.setIntrospectionEndpointURI(URI.create(issuer + "/oauth/introspect"));
        metadata.setJWKSetURI(URI.create(issuer + "/oauth/jwks"));
        metadata.setScopes(new Scope(scopes.allNames().toArray(String[]::new)));
        metadata.setResponseTypes(List.of(ResponseType.CODE));
        metadata.setResponseModes(List.of(ResponseMode.QUERY));
        metadata.setGrantTypes(grantTypes.stream().map(GrantType::new).toList());
        var confidential = List.of(ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
                ClientAuthenticationMethod.CLIENT_SECRET_POST, ClientAuthenticationMethod.CLIENT_SECRET_JWT,
                ClientAuthenticationMethod.PRIVATE_KEY_JWT);
        var authMethods = new ArrayList<>(confidential);
        authMethods.add(ClientAuthenticationMethod.NONE);
        metadata.setTokenEndpointAuthMethods(authMethods);
        metadata.setRevocationEndpointAuthMethods(authMethods);
        metadata.setIntrospectionEndpointAuthMethods(confidential);
        // RFC 8414 §2: required once a JWT-based method is listed (RFC 7523 assertions).
        var assertionAlgs = List.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.RS256,
                JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
                JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
        metadata.setTokenEndpointJWSAlgs(assertionAlgs);
        metadata.setRevocationEndpointJWSAlgs(assertionAlgs);
        metadata.setIntrospectionEndpointJWSAlgs(assertionAlgs);
        metadata.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
        metadata.setSupportsAuthorizationResponseIssuerParam(true);
        metadata.setServiceDocsURI(URI.create(issuer + "/openapi.json"));
        metadata.setPushedAuthorizationRequestEndpointURI(URI.create(issuer + "/oauth/par"));
        metadata.requiresPushedAuthorizationRequests(false);
        metadata.setDeviceAuthorizationEndpointURI(URI.create(issuer + "/oauth/device_authorization"));
        metadata.setRegistrationEndpointURI(URI.create(issuer + "/oauth/register"));
        metadata.setDPoPJWSAlgs(DPoPProofs.ALGORITHMS.stream().sorted(Comparator.comparing(JWSAlgorithm::getName)).toList());
    }

    /**
     * The public signing keys. Verifiers may cache the set briefly; one meeting an unknown kid
     * (after a rotation) fetches it again.
     */
    public void jwks(Context ctx) {
        ctx.header("Cache-Control", "public, max-age=60");
        ctx.contentType("application/json").result(signingKeys.jwks());
    }
}
