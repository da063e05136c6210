package gatehouse.jwt;

import static gatehouse.testing.OAuthAssertions.introspect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * JWT access tokens (RFC 9068) end to end: issued to apps with {@code access_token_format: jwt},
 * verified the way a resource server does (the published JWKS, nimbus-jose-jwt), still looked up
 * by hash for introspection, token info and revocation, and signed by keys that rotate.
 */
class JwtAccessTokensIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("jwt");
    private final String orgId = tenant.orgId();
    private final String scope = tenant.scope();

    private Fixtures.App serviceApp(String alg) {
        return Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", scope, "access_token_format", "jwt",
                "access_token_signing_alg", alg));
    }

    private String clientCredentialsToken(Fixtures.App app) {
        Http.Response response = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.text("access_token");
    }

    /** What a resource server does: fetch the JWKS, check signature, typ, issuer, audience and expiry. */
    private static JWTClaimsSet verify(String token, JWSAlgorithm alg) throws Exception {
        Http.Response jwks = Http.anonymous().get("/oauth/jwks");
        assertThat(jwks.status()).isEqualTo(200);
        var processor = new DefaultJWTProcessor<SecurityContext>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(alg,
                new ImmutableJWKSet<>(JWKSet.parse(jwks.body()))));
        String issuer = TestServer.get().issuer();
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(issuer,
                new JWTClaimsSet.Builder().issuer(issuer).build(),
                Set.of("sub", "exp", "iat", "jti", "client_id", "scope", "actor")));
        return processor.process(token, null);
    }

    @Test
    void clientCredentialsWhenAppIsJwtThenES256AccessTokenVerifiableWithThePublishedJwks() throws Exception {
        Fixtures.App app = serviceApp("ES256");
        assertThat(app.json().get("access_token_format").asText()).isEqualTo("jwt");
        assertThat(app.json().get("access_token_signing_alg").asText()).isEqualTo("ES256");

        String token = clientCredentialsToken(app);
        JWTClaimsSet claims = verify(token, JWSAlgorithm.ES256);

        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isNotBlank();
        assertThat(claims.getSubject()).isEqualTo(app.clientId());
        assertThat(claims.getAudience()).containsExactly(TestServer.get().issuer());
        assertThat(claims.getStringClaim("client_id")).isEqualTo(app.clientId());
        assertThat(claims.getStringClaim("scope")).isEqualTo(scope);
        assertThat(claims.getStringClaim("organization_id")).isEqualTo(orgId);
        assertThat(claims.getStringClaim("actor")).isEqualTo("app");
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(3_600_000);

        JsonNode introspection = introspect(app, token);
        assertThat(introspection.get("active").asBoolean()).as(introspection.toString()).isTrue();
        assertThat(introspection.get("jti").asText()).isEqualTo(claims.getJWTID());
        assertThat(introspection.get("sub").asText()).isEqualTo(app.clientId());
        Http.Response info = api.get("/oauth/token/info", "Authorization", "Bearer " + token);
        assertThat(info.status()).as(info.body()).isEqualTo(200);
        assertThat(info.text("client_id")).isEqualTo(app.clientId());
        assertThat(info.text("organization_id")).isEqualTo(orgId);
    }

    @Test
    void codeFlowWhenAppIsJwtThenAccessTokensActAsTheUserAndRefreshedOnesAreJwtsToo() throws Exception {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope, "access_token_format", "jwt"));
        var code = new OAuthBrowser(tenant.user()).authorizationCode(app, scope);

        JsonNode tokens = app.exchange(code);
        JWTClaimsSet claims = verify(tokens.get("access_token").asText(), JWSAlgorithm.ES256);
        assertThat(claims.getSubject()).isEqualTo(tenant.user().id());
        assertThat(claims.getStringClaim("actor")).isEqualTo("self");
        assertThat(claims.getStringClaim("organization_id")).isEqualTo(orgId);
        assertThat(claims.getStringClaim("client_id")).isEqualTo(app.clientId());

        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String next = refreshed.text("access_token");
        assertThat(verify(next, JWSAlgorithm.ES256).getSubject()).isEqualTo(tenant.user().id());
        // The refresh rotates the access token in place: the first JWT is now revoked.
        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        assertThat(app.isActive(next)).isTrue();
    }

    @Test
    void jwtActingAsAUserCarriesEmailVerifiedAndOneActingAsTheAppDoesNot() throws Exception {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope, "access_token_format", "jwt"));
        JsonNode tokens = app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, scope));
        JWTClaimsSet unverified = verify(tokens.get("access_token").asText(), JWSAlgorithm.ES256);
        assertThat(unverified.getBooleanClaim("email_verified")).isFalse();

        // Stands for the user following their verification link.
        TestServer.get().app().database().withHandle(handle -> handle
                .createUpdate("UPDATE users SET email_verified = true WHERE id = :id")
                .bind("id", UUID.fromString(tenant.user().id())).execute());
        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(verify(refreshed.text("access_token"), JWSAlgorithm.ES256).getBooleanClaim("email_verified")).isTrue();

        JWTClaimsSet asApp = verify(clientCredentialsToken(serviceApp("ES256")), JWSAlgorithm.ES256);
        assertThat(asApp.getClaims()).doesNotContainKey("email_verified");
    }

    @Test
    void clientCredentialsWhenAppChoseRS256ThenRS256TokenVerifiableWithThePublishedJwks() throws Exception {
        Fixtures.App app = serviceApp("RS256");

        String token = clientCredentialsToken(app);

        assertThat(SignedJWT.parse(token).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(verify(token, JWSAlgorithm.RS256).getSubject()).isEqualTo(app.clientId());
    }

    @Test
    void revokeWhenJwtRevokedThenInactiveAtIntrospectionAndRefusedAtTokenInfo() throws Exception {
        Fixtures.App app = serviceApp("ES256");
        String token = clientCredentialsToken(app);
        assertThat(app.isActive(token)).isTrue();

        Http.Response revoked = api.postForm("/oauth/revoke", Http.form("token", token), "Authorization", app.basic());

        assertThat(revoked.status()).isEqualTo(200);
        assertThat(introspect(app, token).toString()).isEqualTo("{\"active\":false}");
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + token).status()).isEqualTo(401);
        // Still a validly signed JWT: only the lookup by hash knows it is revoked.
        verify(token, JWSAlgorithm.ES256);
    }

    @Test
    void tokenWhenJwtIsForgedOrTamperedThenInactiveAndRefused() {
        Fixtures.App app = serviceApp("ES256");
        String token = clientCredentialsToken(app);
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();

        assertThat(app.isActive(tampered)).isFalse();
        assertThat(app.isActive("a.b.c")).isFalse();
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + tampered).status()).isEqualTo(401);
    }

    @Test
    void rotateWhenAdminRotatesThenNewTokensUseANewKeyAndOldAndNewTokensBothVerify() throws Exception {
        Fixtures.App es = serviceApp("ES256");
        Fixtures.App rs = serviceApp("RS256");
        String oldEs = clientCredentialsToken(es);
        String oldRs = clientCredentialsToken(rs);

        Http.Response rotated = Fixtures.admin().postJson("/api/v1/admin/signing-keys/rotate", Map.of());

        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        List<String> current = currentKids(rotated.json());
        String newEs = clientCredentialsToken(es);
        String newRs = clientCredentialsToken(rs);
        String newEsKid = SignedJWT.parse(newEs).getHeader().getKeyID();
        assertThat(newEsKid).isNotEqualTo(SignedJWT.parse(oldEs).getHeader().getKeyID());
        assertThat(SignedJWT.parse(newRs).getHeader().getKeyID()).isNotEqualTo(SignedJWT.parse(oldRs).getHeader().getKeyID());
        assertThat(current).contains(newEsKid, SignedJWT.parse(newRs).getHeader().getKeyID());
        for (String token : List.of(oldEs, newEs)) {
            assertThat(verify(token, JWSAlgorithm.ES256).getSubject()).isEqualTo(es.clientId());
        }
        for (String token : List.of(oldRs, newRs)) {
            assertThat(verify(token, JWSAlgorithm.RS256).getSubject()).isEqualTo(rs.clientId());
        }
        JsonNode listed = Fixtures.admin().get("/api/v1/admin/signing-keys").json();
        JsonNode oldKey = keyOf(listed, SignedJWT.parse(oldEs).getHeader().getKeyID());
        assertThat(oldKey.get("current").asBoolean()).isFalse();
        assertThat(oldKey.hasNonNull("retired_at")).isTrue();
        assertThat(keyOf(listed, newEsKid).get("alg").asText()).isEqualTo("ES256");
        assertThat(listed.toString()).doesNotContain("\"d\"");

        JsonNode audit = Fixtures.admin().get("/api/v1/audit-logs?action=signing_key.rotated").json();
        assertThat(audit.get("data")).isNotEmpty();
    }

    @Test
    void signingKeyRoutesWhenNotAPlatformAdminThenForbiddenOrUnauthenticated() {
        Http member = tenant.user().login();

        assertThat(member.get("/api/v1/admin/signing-keys").status()).isEqualTo(403);
        assertThat(member.postJson("/api/v1/admin/signing-keys/rotate", Map.of()).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/signing-keys").status()).isEqualTo(401);
        assertThat(api.postJson("/api/v1/admin/signing-keys/rotate", Map.of()).status()).isEqualTo(401);
    }

    @Test
    void appWhenSigningAlgUnknownThenValidationFailedAndWhenSwitchedToJwtThenJwtTokens() throws Exception {
        Http.Response refused = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(orgId,
                Map.of("access_token_format", "jwt", "access_token_signing_alg", "HS256")));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("validation_failed");
        Http.Response wrongType = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(orgId,
                Map.of("access_token_format", "jwt", "access_token_signing_alg", 256)));
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.text("error")).isEqualTo("validation_failed");

        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", scope));
        assertThat(app.json().get("access_token_format").asText()).isEqualTo("opaque");
        assertThat(clientCredentialsToken(app)).startsWith("foot_");

        Http.Response updated = Fixtures.admin().putJson("/api/v1/oauth/clients/" + app.clientId(),
                Map.of("access_token_format", "jwt", "access_token_signing_alg", "RS256"));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.text("access_token_signing_alg")).isEqualTo("RS256");
        assertThat(verify(clientCredentialsToken(app), JWSAlgorithm.RS256).getSubject()).isEqualTo(app.clientId());
    }

    private static List<String> currentKids(JsonNode body) {
        List<String> kids = new ArrayList<>();
        body.get("keys").forEach(key -> {
            if (key.get("current").asBoolean()) {
                kids.add(key.get("kid").asText());
            }
        });
        return kids;
    }

    private static JsonNode keyOf(JsonNode body, String kid) {
        for (JsonNode key : body.get("keys")) {
            if (key.get("kid").asText().equals(kid)) {
                return key;
            }
        }
        throw new AssertionError("no key " + kid + " in " + body);
    }
}
