package gatehouse.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Gatehouse's JWT access tokens at the most used Java resource server, Spring Security's, exactly as
 * docs/openid-connect.md tells its users to configure it: by issuer alone (which takes only
 * {@code typ: JWT}), or with a {@code JwtTypeValidator} for RFC 9068's {@code at+jwt}.
 */
class SpringResourceServerIT {
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("spring-rs");

    private String serviceToken(Map<String, Object> settings) {
        var body = new HashMap<String, Object>(Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", tenant.scope(), "access_token_format", "jwt"));
        body.putAll(settings);
        var app = Fixtures.app(Fixtures.admin(), tenant.orgId(), body);
        Http.Response response = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.text("access_token");
    }

    @Test
    void configuredByTheIssuerAloneSpringAcceptsAnAppsTypJwtTokensAndRefusesAtJwt() {
        NimbusJwtDecoder decoder = JwtDecoders.fromIssuerLocation(issuer);
        // The audience, as docs/http.md says: an ID token (also typ JWT, same keys) is for an app, not for you.
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(List.of(new JwtIssuerValidator(issuer),
                new JwtAudienceValidator(issuer))));

        Jwt accepted = decoder.decode(serviceToken(Map.of("access_token_jwt_typ", "JWT")));
        assertThat(accepted.getHeaders()).containsEntry("typ", "JWT");
        assertThat(accepted.getIssuer().toString()).isEqualTo(issuer);
        assertThat(accepted.getClaimAsString("scope")).isEqualTo(tenant.scope());

        String rfc9068 = serviceToken(Map.of("access_token_signing_alg", "RS256"));
        assertThatThrownBy(() -> decoder.decode(rfc9068)).isInstanceOf(JwtException.class);
    }

    @Test
    void withTheAtJwtTypeValidatorSpringAcceptsRfc9068Tokens() {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withIssuerLocation(issuer).validateType(false).build();
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(
                List.of(new JwtIssuerValidator(issuer), new JwtTypeValidator("at+jwt"))));

        for (String alg : List.of("ES256", "RS256")) {
            Jwt jwt = decoder.decode(serviceToken(Map.of("access_token_signing_alg", alg)));
            assertThat(jwt.getHeaders()).containsEntry("typ", "at+jwt").containsEntry("alg", alg);
        }
    }

    @Test
    void aTypThatIsNeitherIsRefusedByTheManagementApi() {
        Http.Response refused = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("access_token_jwt_typ", "jwt")));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("error").asText()).isEqualTo("validation_failed");
    }

    @Test
    void anIdTokenIsRefusedByTheAudienceCheck() {
        var app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", "openid"));
        var pkce = Fixtures.pkce();
        String code = Http.queryOf(new OAuthBrowser(tenant.user()).authorize(Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"))).get("code");
        String idToken = app.exchange(new OAuthBrowser.Code(code, pkce.verifier())).get("id_token").asText();
        NimbusJwtDecoder decoder = JwtDecoders.fromIssuerLocation(issuer);
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(List.of(new JwtIssuerValidator(issuer),
                new JwtAudienceValidator(issuer))));
        assertThatThrownBy(() -> decoder.decode(idToken)).isInstanceOf(JwtException.class);
    }
}
