package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) over HTTP, the client side spoken by Nimbus: nonces, binding at the token
 * endpoint (cnf.jkt, token_type DPoP), presenting bound tokens at Gatehouse's resources, a public
 * app's refresh tokens bound to its key, apps that must use DPoP; and the refusals — replayed
 * proofs, a wrong htu or htm, a stale iat, another key, a bound token presented as Bearer.
 */
class DPoPIT {
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final URI tokenEndpoint = URI.create(issuer + "/oauth/token");
    private final Fixtures.Tenant tenant = Fixtures.tenant("dpop");
    private final Fixtures.App service = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
            "grant_types", List.of("client_credentials")));
    private final DefaultDPoPProofFactory key = factory(ecKey());

    private static JWK ecKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static DefaultDPoPProofFactory factory(JWK jwk) {
        try {
            return new DefaultDPoPProofFactory(jwk, jwk.getKeyType().getValue().equals("EC") ? JWSAlgorithm.ES256
                    : JWSAlgorithm.PS256);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server's current nonce: what a first proof without one is told to use. */
    private Nonce nonce(DefaultDPoPProofFactory proofs) throws Exception {
        Http.Response first = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic(), "DPoP", proofs.createDPoPJWT("POST", tokenEndpoint).serialize());
        assertThat(first.status()).isEqualTo(400);
        assertThat(first.text("error")).isEqualTo("use_dpop_nonce");
        assertThat(first.header("DPoP-Nonce")).isNotBlank();
        return new Nonce(first.header("DPoP-Nonce"));
    }

    private Http.Response serviceToken(SignedJWT proof) {
        return api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"), "Authorization", service.basic(),
                "DPoP", proof.serialize());
    }

    /** A DPoP-bound service token, by Nimbus' token request with the nonce retry a client does. */
    private DPoPAccessToken boundServiceToken() throws Exception {
        var request = new TokenRequest(tokenEndpoint, new ClientSecretBasic(new ClientID(service.clientId()),
                new Secret(service.secret())), new ClientCredentialsGrant(), null);
        var http = request.toHTTPRequest();
        http.setDPoP(key.createDPoPJWT("POST", tokenEndpoint));
        var answer = http.send();
        if (answer.getStatusCode() == 400 && answer.getDPoPNonce() != null) {
            http = request.toHTTPRequest();
            http.setDPoP(key.createDPoPJWT("POST", tokenEndpoint, answer.getDPoPNonce()));
            answer = http.send();
        }
        TokenResponse tokens = TokenResponse.parse(answer);
        assertThat(tokens.indicatesSuccess()).as(() -> ((TokenErrorResponse) tokens).getErrorObject().toString()).isTrue();
        return (DPoPAccessToken) tokens.toSuccessResponse().getTokens().getAccessToken();
    }

    private Http.Response tokenInfo(DPoPAccessToken token, SignedJWT proof) {
        return api.get("/oauth/token/info", "Authorization", "DPoP " + token.getValue(), "DPoP", proof.serialize());
    }

    @Test
    void metadataListsTheProofAlgorithms() {
        JsonNode metadata = api.get("/.well-known/oauth-authorization-server").json();
        assertThat(metadata.get("dpop_signing_alg_values_supported").toString()).contains("ES256", "RS256", "PS256");
    }

    @Test
    void aProofBindsTheTokenToItsKeyAndIntrospectionAndTheJwtNameTheKey() throws Exception {
        DPoPAccessToken token = boundServiceToken();
        String jkt = key.getPublicJWK().computeThumbprint().toString();
        JsonNode introspected = api.postForm("/oauth/introspect", Http.form("token", token.getValue()),
                "Authorization", service.basic()).json();
        assertThat(introspected.get("active").asBoolean()).isTrue();
        assertThat(introspected.get("token_type").asText()).isEqualTo("DPoP");
        assertThat(introspected.get("cnf").get("jkt").asText()).isEqualTo(jkt);

        var jwtApp = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "grant_types", List.of("client_credentials"), "access_token_format", "jwt"));
        Http.Response first = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", jwtApp.basic(), "DPoP", key.createDPoPJWT("POST", tokenEndpoint).serialize());
        Http.Response issued = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", jwtApp.basic(), "DPoP", key.createDPoPJWT("POST", tokenEndpoint,
                        new Nonce(first.header("DPoP-Nonce"))).serialize());
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        assertThat(issued.text("token_type")).isEqualTo("DPoP");
        var claims = SignedJWT.parse(issued.text("access_token")).getJWTClaimsSet();
        assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("jkt", jkt);
    }

    @Test
    void aBoundTokenWorksOnlyAsDPoPWithAFreshProofByItsKeyOverThisRequest() throws Exception {
        DPoPAccessToken token = boundServiceToken();
        URI info = URI.create(issuer + "/oauth/token/info");

        SignedJWT proof = key.createDPoPJWT("GET", info, token);
        assertThat(tokenInfo(token, proof).status()).isEqualTo(200);
        Http.Response replayed = tokenInfo(token, proof);
        assertThat(replayed.status()).isEqualTo(401);
        assertThat(replayed.header("WWW-Authenticate")).startsWith("DPoP").contains("invalid_dpop_proof");

        Http.Response asBearer = api.get("/oauth/token/info", "Authorization", "Bearer " + token.getValue());
        assertThat(asBearer.status()).isEqualTo(401);
        assertThat(asBearer.text("error")).isEqualTo("invalid_token");
        Http.Response noProof = api.get("/oauth/token/info", "Authorization", "DPoP " + token.getValue());
        assertThat(noProof.status()).isEqualTo(401);

        assertThat(tokenInfo(token, key.createDPoPJWT("GET", URI.create(issuer + "/oauth/userinfo"), token)).status())
                .as("wrong htu").isEqualTo(401);
        assertThat(tokenInfo(token, key.createDPoPJWT("POST", info, token)).status()).as("wrong htm").isEqualTo(401);
        assertThat(tokenInfo(token, key.createDPoPJWT("GET", info)).status()).as("no ath").isEqualTo(401);
        assertThat(tokenInfo(token, factory(ecKey()).createDPoPJWT("GET", info, token)).status()).as("another key")
                .isEqualTo(401);
        SignedJWT stale = key.createDPoPJWT(new JWTID(), "GET", info, new Date(System.currentTimeMillis() - 300_000),
                token, null);
        assertThat(tokenInfo(token, stale).status()).as("iat five minutes ago").isEqualTo(401);

        // The management API applies the same rule.
        Http.Response management = api.get("/api/v1/orgs", "Authorization", "Bearer " + token.getValue());
        assertThat(management.status()).isEqualTo(401);
        Http.Response managementWithProof = api.get("/api/v1/orgs", "Authorization", "DPoP " + token.getValue(),
                "DPoP", key.createDPoPJWT("GET", URI.create(issuer + "/api/v1/orgs"), token).serialize());
        assertThat(managementWithProof.status()).isNotEqualTo(401);
    }

    @Test
    void aPlainBearerTokenIsNotAcceptedAsDPoP() {
        String bearer = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).text("access_token");
        Http.Response response = api.get("/oauth/token/info", "Authorization", "DPoP " + bearer);
        assertThat(response.status()).isEqualTo(401);
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + bearer).status()).isEqualTo(200);
    }

    @Test
    void theTokenEndpointRefusesAReplayedProofAWrongHtuAStaleNonceAndTwoProofs() throws Exception {
        Nonce nonce = nonce(key);
        SignedJWT proof = key.createDPoPJWT("POST", tokenEndpoint, nonce);
        assertThat(serviceToken(proof).status()).isEqualTo(200);
        Http.Response replayed = serviceToken(proof);
        assertThat(replayed.status()).isEqualTo(400);
        assertThat(replayed.text("error")).isEqualTo("invalid_dpop_proof");

        Http.Response wrongHtu = serviceToken(key.createDPoPJWT("POST", URI.create(issuer + "/oauth/introspect"), nonce));
        assertThat(wrongHtu.text("error")).isEqualTo("invalid_dpop_proof");
        Http.Response wrongHtm = serviceToken(key.createDPoPJWT("GET", tokenEndpoint, nonce));
        assertThat(wrongHtm.text("error")).isEqualTo("invalid_dpop_proof");
        Http.Response madeUpNonce = serviceToken(key.createDPoPJWT("POST", tokenEndpoint, new Nonce("made-up")));
        assertThat(madeUpNonce.text("error")).isEqualTo("use_dpop_nonce");
        Http.Response garbage = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic(), "DPoP", "not-a-jwt");
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.text("error")).isEqualTo("invalid_dpop_proof");
        Http.Response two = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic(), "DPoP", key.createDPoPJWT("POST", tokenEndpoint, nonce).serialize(),
                "DPoP", key.createDPoPJWT("POST", tokenEndpoint, nonce).serialize());
        assertThat(two.text("error")).isEqualTo("invalid_dpop_proof");
    }

    @Test
    void aPublicAppsRefreshTokenIsBoundToTheKeyItsFamilyStartedWith() throws Exception {
        var cli = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(), "confidential", false));
        var code = new OAuthBrowser(tenant.user()).authorizationCode(cli, tenant.scope());
        Nonce nonce = nonce(key);
        Http.Response issued = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                "code", code.code(), "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", code.verifier(),
                "client_id", cli.clientId()), "DPoP", key.createDPoPJWT("POST", tokenEndpoint, nonce).serialize());
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        assertThat(issued.text("token_type")).isEqualTo("DPoP");
        String refresh = issued.text("refresh_token");

        Http.Response bearerRefresh = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", refresh, "client_id", cli.clientId()));
        assertThat(bearerRefresh.status()).isEqualTo(400);
        assertThat(bearerRefresh.text("error")).isEqualTo("invalid_dpop_proof");
        DefaultDPoPProofFactory thief = factory(new RSAKeyGenerator(2048).generate());
        Http.Response otherKey = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", refresh, "client_id", cli.clientId()), "DPoP",
                thief.createDPoPJWT("POST", tokenEndpoint, nonce).serialize());
        assertThat(otherKey.text("error")).isEqualTo("invalid_dpop_proof");

        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", refresh, "client_id", cli.clientId()), "DPoP",
                key.createDPoPJWT("POST", tokenEndpoint, nonce).serialize());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.text("token_type")).isEqualTo("DPoP");
    }

    @Test
    void aPublicAppsFamilyStartedWithoutAProofIsBoundByTheFirstProofItPresents() throws Exception {
        var cli = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(), "confidential", false));
        var code = new OAuthBrowser(tenant.user()).authorizationCode(cli, tenant.scope());
        Http.Response issued = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                "code", code.code(), "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", code.verifier(),
                "client_id", cli.clientId()));
        assertThat(issued.text("token_type")).isEqualTo("Bearer");
        Nonce nonce = nonce(key);
        Http.Response bound = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", issued.text("refresh_token"), "client_id", cli.clientId()), "DPoP",
                key.createDPoPJWT("POST", tokenEndpoint, nonce).serialize());
        assertThat(bound.status()).as(bound.body()).isEqualTo(200);
        assertThat(bound.text("token_type")).isEqualTo("DPoP");

        Http.Response bearerAgain = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", bound.text("refresh_token"), "client_id", cli.clientId()));
        assertThat(bearerAgain.text("error")).isEqualTo("invalid_dpop_proof");
        Http.Response otherKey = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", bound.text("refresh_token"), "client_id", cli.clientId()), "DPoP",
                factory(ecKey()).createDPoPJWT("POST", tokenEndpoint, nonce).serialize());
        assertThat(otherKey.text("error")).isEqualTo("invalid_dpop_proof");
    }

    @Test
    void aResourceAcceptsTheServersCurrentNonceInAProofAndAnswersAStaleOneWithAFreshNonce() throws Exception {
        DPoPAccessToken token = boundServiceToken();
        URI info = URI.create(issuer + "/oauth/token/info");
        Nonce nonce = nonce(key);
        assertThat(tokenInfo(token, key.createDPoPJWT("GET", info, token, nonce)).status()).isEqualTo(200);
        Http.Response stale = tokenInfo(token, key.createDPoPJWT("GET", info, token, new Nonce("stale")));
        assertThat(stale.status()).isEqualTo(401);
        assertThat(stale.text("error")).isEqualTo("use_dpop_nonce");
        assertThat(stale.header("DPoP-Nonce")).isEqualTo(nonce.getValue());
        assertThat(stale.header("WWW-Authenticate")).startsWith("DPoP").contains("use_dpop_nonce");

        Http.Response unknown = api.get("/oauth/token/info", "Authorization", "DPoP foot_unknown");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.header("WWW-Authenticate")).startsWith("DPoP");
    }

    @Test
    void aWeakRsaProofKeyIsRefused() throws Exception {
        // Signed by hand: Nimbus' proof factory will not make a proof with a weak key either.
        RSAKey weak = new RSAKeyGenerator(1024, true).generate();
        var header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("dpop+jwt"))
                .jwk(weak.toPublicJWK()).build();
        var claims = new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString()).claim("htm", "POST")
                .claim("htu", tokenEndpoint.toString()).issueTime(new Date()).claim("nonce", nonce(key).getValue()).build();
        SignedJWT proof = new SignedJWT(header, claims);
        proof.sign(new RSASSASigner(weak.toPrivateKey(), true));
        Http.Response refused = serviceToken(proof);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("invalid_dpop_proof");
    }

    @Test
    void anAppSetToRequireDPoPGetsNoBearerToken() throws Exception {
        var strict = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "grant_types", List.of("client_credentials"), "dpop_bound_access_tokens", true));
        assertThat(strict.json().get("dpop_bound_access_tokens").asBoolean()).isTrue();
        Http.Response bearer = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", strict.basic());
        assertThat(bearer.status()).isEqualTo(400);
        assertThat(bearer.text("error")).isEqualTo("invalid_dpop_proof");
    }
}
