package gatehouse.oauth;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import gatehouse.jwt.SigningKeys;
import gatehouse.scopes.ScopeService;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.net.URI;
import java.util.List;

/** RFC 8414 metadata, and the JWKS it points at. */
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
        metadata.setAuthorizationEndpointURI(URI.create(issuer + "/oauth/authorize"));
        metadata.setTokenEndpointURI(URI.create(issuer + "/oauth/token"));
        metadata.setRevocationEndpointURI(URI.create(issuer + "/oauth/revoke"));
        metadata.setIntrospectionEndpointURI(URI.create(issuer + "/oauth/introspect"));
        metadata.setJWKSetURI(URI.create(issuer + "/oauth/jwks"));
        metadata.setScopes(new Scope(scopes.allNames().toArray(String[]::new)));
        metadata.setResponseTypes(List.of(ResponseType.CODE));
        metadata.setResponseModes(List.of(ResponseMode.QUERY));
        metadata.setGrantTypes(grantTypes.stream().map(GrantType::new).toList());
        var authMethods = List.of(ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
                ClientAuthenticationMethod.CLIENT_SECRET_POST, ClientAuthenticationMethod.NONE);
        metadata.setTokenEndpointAuthMethods(authMethods);
        metadata.setRevocationEndpointAuthMethods(authMethods);
        metadata.setIntrospectionEndpointAuthMethods(List.of(ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
                ClientAuthenticationMethod.CLIENT_SECRET_POST));
        metadata.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
        metadata.setSupportsAuthorizationResponseIssuerParam(true);
        metadata.setServiceDocsURI(URI.create(issuer + "/openapi.json"));
        // Written by our mapper: json-smart would escape every slash in the URLs.
        Responses.ok(ctx, metadata.toJSONObject());
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
