package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretJWT;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.sun.net.httpserver.HttpServer;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.client.endpoint.NimbusJwtClientAuthenticationParametersConverter;
import org.springframework.security.oauth2.client.endpoint.OAuth2ClientCredentialsGrantRequest;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * Client authentication with signed JWTs (RFC 7523) over HTTP: private_key_jwt with keys registered
 * inline or published at a jwks_uri, and client_secret_jwt, spoken by Nimbus' client and by Spring
 * Security's (an independent implementation); and the refusals — a replayed jti, a foreign audience,
 * too long a lifetime, the secret of an app that must sign, bad registrations.
 */
class ClientAssertionsIT {
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final URI tokenEndpoint = URI.create(issuer + "/oauth/token");
    private final Fixtures.Tenant tenant = Fixtures.tenant("assert");
    private final ECKey key = ecKey("k1");

    private static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Fixtures.App app(Map<String, Object> authentication) {
        var body = new java.util.HashMap<String, Object>(Map.of("scope", tenant.scope(),
                "grant_types", List.of("client_credentials")));
        body.putAll(authentication);
        return Fixtures.app(Fixtures.admin(), tenant.orgId(), body);
    }

    private Fixtures.App keyApp() {
        return app(Map.of("token_endpoint_auth_method", "private_key_jwt",
                "jwks", new JWKSet(key.toPublicJWK()).toJSONObject(true)));
    }

    private TokenResponse token(ClientAuthentication authentication) throws Exception {
        return TokenResponse.parse(new TokenRequest(tokenEndpoint, authentication, new ClientCredentialsGrant(),
                new Scope(tenant.scope())).toHTTPRequest().send());
    }

    private Http.Response tokenWithAssertion(String assertion) {
        return api.postForm("/oauth/token", Http.form("grant_type", "client_credentials", "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", assertion));
    }

    private PrivateKeyJWT assertion(Fixtures.App app, Audience audience, Date expires) throws Exception {
        var claims = new JWTAuthenticationClaimsSet(new ClientID(app.clientId()), List.of(audience), expires, null,
                new Date(), new JWTID());
        return new PrivateKeyJWT(claims, JWSAlgorithm.ES256, key.toECPrivateKey(), key.getKeyID(), null);
    }

    @Test
    void metadataNamesTheMethodsAndAlgorithms() {
        var metadata = api.get("/.well-known/oauth-authorization-server").json();
        assertThat(metadata.get("token_endpoint_auth_methods_supported").toString())
                .contains("private_key_jwt", "client_secret_jwt");
        assertThat(metadata.get("token_endpoint_auth_signing_alg_values_supported").toString()).contains("ES256", "HS256");
    }

    @Test
    void anAppWithRegisteredKeysAuthenticatesWithPrivateKeyJwtAndItsSecretNoLonger() throws Exception {
        var app = keyApp();
        assertThat(app.json().get("token_endpoint_auth_method").asText()).isEqualTo("private_key_jwt");
        assertThat(app.json().get("jwks").get("keys").get(0).get("kid").asText()).isEqualTo("k1");
        TokenResponse issued = token(new PrivateKeyJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.ES256,
                key.toECPrivateKey(), key.getKeyID(), null));
        assertThat(issued.indicatesSuccess()).as(() -> issued.toErrorResponse().getErrorObject().toString()).isTrue();

        Http.Response bySecret = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(bySecret.status()).isEqualTo(401);
        assertThat(bySecret.text("error")).isEqualTo("invalid_client");
    }

    @Test
    void aReplayedAssertionAForeignAudienceAnotherKeyAndALongLifetimeAreRefused() throws Exception {
        var app = keyApp();
        Date inAMinute = new Date(System.currentTimeMillis() + 60_000);
        String once = assertion(app, new Audience(issuer), inAMinute).getClientAssertion().serialize();
        assertThat(tokenWithAssertion(once).status()).as("the issuer is an accepted audience").isEqualTo(200);
        Http.Response replayed = tokenWithAssertion(once);
        assertThat(replayed.status()).isEqualTo(401);
        assertThat(replayed.text("error")).isEqualTo("invalid_client");

        assertThat(tokenWithAssertion(assertion(app, new Audience("https://elsewhere.example.test/token"), inAMinute)
                .getClientAssertion().serialize()).status()).isEqualTo(401);
        Date inAnHour = new Date(System.currentTimeMillis() + 3_600_000);
        assertThat(tokenWithAssertion(assertion(app, new Audience(tokenEndpoint.toString()), inAnHour)
                .getClientAssertion().serialize()).status()).isEqualTo(401);
        ECKey other = ecKey("k1");
        var forged = new PrivateKeyJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.ES256,
                other.toECPrivateKey(), "k1", null);
        assertThat(tokenWithAssertion(forged.getClientAssertion().serialize()).status()).isEqualTo(401);
        assertThat(tokenWithAssertion("not.a.jwt").status()).isEqualTo(401);
        Http.Response twoMethods = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", once), "Authorization", app.basic());
        assertThat(twoMethods.text("error")).isEqualTo("invalid_request");
    }

    @Test
    void keysPublishedAtAJwksUriAreFetchedAndAnUnknownKidFetchesThemAgain() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        String[] published = {new JWKSet(key.toPublicJWK()).toString()};
        HttpServer jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = published[0].getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwks.start();
        try {
            var app = app(Map.of("token_endpoint_auth_method", "private_key_jwt",
                    "jwks_uri", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json"));
            assertThat(token(new PrivateKeyJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.ES256,
                    key.toECPrivateKey(), key.getKeyID(), null)).indicatesSuccess()).isTrue();
            assertThat(token(new PrivateKeyJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.ES256,
                    key.toECPrivateKey(), key.getKeyID(), null)).indicatesSuccess()).isTrue();
            assertThat(fetches.get()).as("kept between requests").isEqualTo(1);

            ECKey rotated = ecKey("k2");
            published[0] = new JWKSet(List.of(key.toPublicJWK(), rotated.toPublicJWK())).toString();
            TokenResponse withNewKey = token(new PrivateKeyJWT(new ClientID(app.clientId()), tokenEndpoint,
                    JWSAlgorithm.ES256, rotated.toECPrivateKey(), "k2", null));
            // A kid not in the kept set may fetch again only after 30 s: within the test, refused.
            assertThat(withNewKey.indicatesSuccess()).isFalse();
        } finally {
            jwks.stop(0);
        }
    }

    @Test
    void clientSecretJwtSignsWithTheSecretWhichTheApiNeverShowsAgain() throws Exception {
        var app = app(Map.of("token_endpoint_auth_method", "client_secret_jwt"));
        assertThat(app.secret()).isNotBlank();
        TokenResponse issued = token(new ClientSecretJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.HS256,
                new Secret(app.secret())));
        assertThat(issued.indicatesSuccess()).as(() -> issued.toErrorResponse().getErrorObject().toString()).isTrue();
        TokenResponse wrongSecret = token(new ClientSecretJWT(new ClientID(app.clientId()), tokenEndpoint,
                JWSAlgorithm.HS256, new Secret("x".repeat(48))));
        assertThat(wrongSecret.indicatesSuccess()).isFalse();
        String shown = Fixtures.admin().get("/api/v1/oauth/clients/" + app.clientId()).body();
        assertThat(shown).doesNotContain(app.secret()).doesNotContain("sealed");
    }

    @Test
    void anAssertionWithoutJtiOrWithSeveralAudiencesIsRefused() throws Exception {
        var app = keyApp();
        Date inAMinute = new Date(System.currentTimeMillis() + 60_000);
        var noJti = new JWTAuthenticationClaimsSet(new ClientID(app.clientId()), List.of(new Audience(issuer)), inAMinute,
                null, new Date(), null);
        assertThat(tokenWithAssertion(new PrivateKeyJWT(noJti, JWSAlgorithm.ES256, key.toECPrivateKey(), key.getKeyID(),
                null).getClientAssertion().serialize()).status()).isEqualTo(401);
        var twoAudiences = new JWTAuthenticationClaimsSet(new ClientID(app.clientId()), List.of(new Audience(issuer),
                new Audience("https://other-server.example.test")), inAMinute, null, new Date(), new JWTID());
        assertThat(tokenWithAssertion(new PrivateKeyJWT(twoAudiences, JWSAlgorithm.ES256, key.toECPrivateKey(),
                key.getKeyID(), null).getClientAssertion().serialize()).status()).isEqualTo(401);
    }

    @Test
    void aRotatedSecretSignsAfterAnEditAndAnExistingAppCannotSwitchToClientSecretJwt() throws Exception {
        var app = app(Map.of("token_endpoint_auth_method", "client_secret_jwt"));
        Http admin = Fixtures.admin();
        String rotated = admin.postJson("/api/v1/oauth/clients/" + app.clientId() + "/secret", Map.of())
                .text("client_secret");
        assertThat(admin.putJson("/api/v1/oauth/clients/" + app.clientId(), Map.of("name", "Edited")).status())
                .isEqualTo(200);
        assertThat(token(new ClientSecretJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.HS256,
                new Secret(rotated))).indicatesSuccess()).isTrue();
        assertThat(token(new ClientSecretJWT(new ClientID(app.clientId()), tokenEndpoint, JWSAlgorithm.HS256,
                new Secret(app.secret()))).indicatesSuccess()).isFalse();

        var plain = app(Map.of());
        Http.Response switched = admin.putJson("/api/v1/oauth/clients/" + plain.clientId(),
                Map.of("token_endpoint_auth_method", "client_secret_jwt"));
        assertThat(switched.status()).isEqualTo(400);
    }

    @Test
    void springSecuritysClientAuthenticatesWithPrivateKeyJwt() {
        var app = keyApp();
        ClientRegistration registration = ClientRegistration.withRegistrationId("gatehouse")
                .clientId(app.clientId())
                .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope(tenant.scope())
                .tokenUri(tokenEndpoint.toString())
                .build();
        var client = new RestClientClientCredentialsTokenResponseClient();
        client.addParametersConverter(new NimbusJwtClientAuthenticationParametersConverter<>(reg -> key));
        var response = client.getTokenResponse(new OAuth2ClientCredentialsGrantRequest(registration));
        assertThat(response.getAccessToken().getTokenValue()).isNotBlank();
        assertThat(response.getAccessToken().getScopes()).contains(tenant.scope());
    }

    @Test
    void registrationsThatCannotWorkAreRefused() {
        Http admin = Fixtures.admin();
        var noKeys = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("token_endpoint_auth_method", "private_key_jwt")));
        assertThat(noKeys.status()).isEqualTo(400);
        var privateKey = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("token_endpoint_auth_method", "private_key_jwt", "jwks", new JWKSet(key).toJSONObject(false))));
        assertThat(privateKey.status()).isEqualTo(400);
        assertThat(privateKey.text("error_description")).contains("private key");
        var publicApp = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("confidential", false, "token_endpoint_auth_method", "private_key_jwt",
                        "jwks", new JWKSet(key.toPublicJWK()).toJSONObject(true))));
        assertThat(publicApp.status()).isEqualTo(400);
        var unknown = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("token_endpoint_auth_method", "tls_client_auth")));
        assertThat(unknown.status()).isEqualTo(400);
        var privateUri = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("token_endpoint_auth_method", "private_key_jwt", "jwks_uri", "ftp://keys.example.test/jwks")));
        assertThat(privateUri.status()).isEqualTo(400);
    }
}
