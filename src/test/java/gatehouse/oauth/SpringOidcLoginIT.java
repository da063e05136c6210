package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.client.authentication.OAuth2LoginAuthenticationToken;
import org.springframework.security.oauth2.client.endpoint.RestClientAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.oidc.authentication.OidcAuthorizationCodeAuthenticationProvider;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrations;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationExchange;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationResponse;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.endpoint.PkceParameterNames;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;

/**
 * "Sign in with Gatehouse" through Spring Security's OAuth2 login, a relying party written by other
 * people: it configures itself from the issuer alone (discovery), sends the nonce and PKCE its own
 * way, redeems the code, validates the ID token against the JWKS, and calls UserInfo.
 */
class SpringOidcLoginIT {
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("spring");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(),
            Map.of("scope", "openid profile email"));

    @Test
    void springSecurityLogsTheUserInFromTheIssuerAlone() {
        ClientRegistration registration = ClientRegistrations.fromIssuerLocation(issuer)
                .registrationId("gatehouse")
                .clientId(app.clientId())
                .clientSecret(app.secret())
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .redirectUri(Fixtures.REDIRECT_URI)
                .scope("openid", "profile", "email")
                .build();

        // What Spring's authorization request resolver sends: the nonce's hash, and PKCE S256.
        String nonce = "spring-nonce-" + System.nanoTime();
        var pkce = Fixtures.pkce();
        OAuth2AuthorizationRequest request = OAuth2AuthorizationRequest.authorizationCode()
                .authorizationUri(registration.getProviderDetails().getAuthorizationUri())
                .clientId(registration.getClientId())
                .redirectUri(registration.getRedirectUri())
                .scopes(registration.getScopes())
                .state("spring-state")
                .attributes(attributes -> {
                    attributes.put(OAuth2ParameterNames.REGISTRATION_ID, registration.getRegistrationId());
                    attributes.put(OidcParameterNames.NONCE, nonce);
                    attributes.put(PkceParameterNames.CODE_VERIFIER, pkce.verifier());
                })
                .additionalParameters(parameters -> {
                    parameters.put(OidcParameterNames.NONCE, sha256(nonce));
                    parameters.put(PkceParameterNames.CODE_CHALLENGE, pkce.challenge());
                    parameters.put(PkceParameterNames.CODE_CHALLENGE_METHOD, "S256");
                })
                .build();

        String location = new OAuthBrowser(tenant.user())
                .authorize(URI.create(request.getAuthorizationRequestUri()).getRawQuery());
        var callback = Http.queryOf(location);
        var response = OAuth2AuthorizationResponse.success(callback.get("code"))
                .redirectUri(registration.getRedirectUri()).state(callback.get("state")).build();

        var provider = new OidcAuthorizationCodeAuthenticationProvider(
                new RestClientAuthorizationCodeTokenResponseClient(), new OidcUserService());
        var result = (OAuth2LoginAuthenticationToken) provider.authenticate(
                new OAuth2LoginAuthenticationToken(registration, new OAuth2AuthorizationExchange(request, response)));

        OidcUser user = (OidcUser) result.getPrincipal();
        assertThat(user.getSubject()).isEqualTo(tenant.user().id());
        assertThat(user.getEmail()).isEqualTo(tenant.user().username());
        assertThat(user.getPreferredUsername()).isEqualTo(tenant.user().username());
        assertThat(user.getIdToken().getNonce()).isEqualTo(sha256(nonce));
        assertThat(user.getIdToken().getAuthorizedParty()).isEqualTo(app.clientId());
        assertThat(user.getUserInfo()).as("Spring called UserInfo").isNotNull();
        assertThat(result.getAccessToken().getScopes()).contains("openid", "profile", "email");
    }

    /** Spring sends base64url(SHA-256(nonce)) and keeps the nonce itself to check the ID token with. */
    private static String sha256(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
