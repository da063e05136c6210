package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8414 metadata (and no OpenID alias) and the JWKS it points at, read as client libraries read them. */
class DiscoveryIT {
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();

    @Test
    void metadataWhenFetchedThenListsTheContractFields() {
        Http.Response response = api.get("/.well-known/oauth-authorization-server");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode metadata = response.json();
        assertThat(metadata.get("issuer").asText()).isEqualTo(issuer);
        assertThat(metadata.get("authorization_endpoint").asText()).isEqualTo(issuer + "/oauth/authorize");
        assertThat(metadata.get("token_endpoint").asText()).isEqualTo(issuer + "/oauth/token");
        assertThat(metadata.get("revocation_endpoint").asText()).isEqualTo(issuer + "/oauth/revoke");
        assertThat(metadata.get("introspection_endpoint").asText()).isEqualTo(issuer + "/oauth/introspect");
        assertThat(metadata.get("jwks_uri").asText()).isEqualTo(issuer + "/oauth/jwks");
        assertThat(metadata.get("scopes_supported").isArray()).as("scopes_supported").isTrue();
        assertThat(texts(metadata.get("scopes_supported"))).contains("admin:*", "webhooks:manage");
        assertThat(texts(metadata.get("response_types_supported"))).containsExactly("code");
        assertThat(texts(metadata.get("code_challenge_methods_supported"))).containsExactly("S256");
        assertThat(texts(metadata.get("token_endpoint_auth_methods_supported")))
                .containsExactlyInAnyOrder("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
                        "none");
        assertThat(metadata.get("authorization_response_iss_parameter_supported").asBoolean()).isTrue();
        assertThat(metadata.get("authorization_response_iss_parameter_supported").isBoolean()).isTrue();
        assertThat(texts(metadata.get("grant_types_supported")))
                .contains("authorization_code", "refresh_token", "client_credentials")
                .doesNotContain("implicit");
    }

    @Test
    void metadataWhenParsedByNimbusThenAccepted() throws Exception {
        Http.Response response = api.get("/.well-known/oauth-authorization-server");

        AuthorizationServerMetadata metadata = AuthorizationServerMetadata.parse(response.body());

        assertThat(metadata.getIssuer().getValue()).isEqualTo(issuer);
        assertThat(metadata.getAuthorizationEndpointURI()).isEqualTo(URI.create(issuer + "/oauth/authorize"));
        assertThat(metadata.getTokenEndpointURI()).isEqualTo(URI.create(issuer + "/oauth/token"));
        assertThat(metadata.getJWKSetURI()).isEqualTo(URI.create(issuer + "/oauth/jwks"));
        assertThat(metadata.getResponseTypes()).containsExactly(ResponseType.CODE);
        assertThat(metadata.getCodeChallengeMethods()).containsExactly(CodeChallengeMethod.S256);
        assertThat(metadata.getTokenEndpointAuthMethods()).contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
                ClientAuthenticationMethod.CLIENT_SECRET_POST, ClientAuthenticationMethod.NONE);
        assertThat(metadata.getGrantTypes()).contains(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN,
                GrantType.CLIENT_CREDENTIALS);
        assertThat(metadata.supportsAuthorizationResponseIssuerParam()).isTrue();
    }

    @Test
    void jwksWhenFetchedThenKeySetWithPublicKeysOnly() throws Exception {
        Http.Response response = api.get("/oauth/jwks");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.get("keys")).as(response.body()).isNotNull();
        assertThat(body.get("keys").isArray()).isTrue();
        JWKSet set = JWKSet.parse(response.body());
        for (JWK key : set.getKeys()) {
            assertThat(key.isPrivate()).as("published key %s", key.getKeyID()).isFalse();
            assertThat(key.getKeyID()).as("kid").isNotBlank();
        }
    }

    private static List<String> texts(JsonNode array) {
        assertThat(array).isNotNull();
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
