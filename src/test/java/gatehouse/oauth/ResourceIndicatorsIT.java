package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Resource indicators (RFC 8707) over HTTP: a resource server registers its identifier; a token
 * asked for it names it as its audience and is active only at its introspection (and to its own
 * app); a code or refresh token stays with the resource it was authorized for; and the refusals.
 */
class ResourceIndicatorsIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("rs");
    private final String resource = "https://" + Fixtures.unique("api") + ".example.test/mcp";
    private final Fixtures.App server = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("resource_server", true,
            "resource", resource, "grant_types", List.of("client_credentials")));
    private final Fixtures.App otherServer = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("resource_server", true,
            "resource", resource + "/other", "grant_types", List.of("client_credentials")));
    private final Fixtures.App service = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
            "grant_types", List.of("client_credentials")));

    private JsonNode introspect(Fixtures.App by, String token) {
        return api.postForm("/oauth/introspect", Http.form("token", token), "Authorization", by.basic()).json();
    }

    private Http.Response serviceToken(Fixtures.App app, String resourceParameter) {
        String form = resourceParameter == null ? Http.form("grant_type", "client_credentials")
                : Http.form("grant_type", "client_credentials", "resource", resourceParameter);
        return api.postForm("/oauth/token", form, "Authorization", app.basic());
    }

    @Test
    void aTokenForAResourceNamesItAndIsActiveOnlyAtThatResourceServer() {
        assertThat(server.json().get("resource").asText()).isEqualTo(resource);
        Http.Response issued = serviceToken(service, resource);
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        String token = issued.text("access_token");

        JsonNode atServer = introspect(server, token);
        assertThat(atServer.get("active").asBoolean()).isTrue();
        assertThat(atServer.get("aud").asText()).isEqualTo(resource);
        assertThat(introspect(otherServer, token).get("active").asBoolean()).isFalse();
        assertThat(introspect(service, token).get("active").asBoolean()).as("its own app").isTrue();

        // A token for no resource in particular stays every resource server's to accept.
        String plain = serviceToken(service, null).text("access_token");
        assertThat(introspect(otherServer, plain).get("active").asBoolean()).isTrue();
    }

    @Test
    void aTokenForAResourceServerIsRefusedByGatehousesOwnEndpoints() {
        String token = serviceToken(service, resource).text("access_token");
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + token).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/orgs", "Authorization", "Bearer " + token).status()).isEqualTo(401);
        String plain = serviceToken(service, null).text("access_token");
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + plain).status()).isEqualTo(200);
    }

    @Test
    void aJwtForAResourceCarriesItAsTheAudience() throws Exception {
        var jwtApp = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "grant_types", List.of("client_credentials"), "access_token_format", "jwt"));
        String token = serviceToken(jwtApp, resource).text("access_token");
        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getAudience()).containsExactly(resource);
    }

    @Test
    void anUnknownOrMalformedResourceIsInvalidTarget() {
        Http.Response unknown = serviceToken(service, "https://nobody.example.test/api");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.text("error")).isEqualTo("invalid_target");
        assertThat(serviceToken(service, resource + "#part").text("error")).isEqualTo("invalid_target");
        assertThat(serviceToken(service, "relative/path").text("error")).isEqualTo("invalid_target");
        Http.Response twice = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "resource", resource, "resource", resource), "Authorization", service.basic());
        assertThat(twice.status()).isEqualTo(400);
    }

    @Test
    void aCodeAndItsRefreshTokensStayWithTheResourceTheUserAuthorized() {
        var web = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        var browser = new OAuthBrowser(tenant.user());
        var pkce = Fixtures.pkce();
        Http.Response consent = browser.signIn(browser.open(Http.form("response_type", "code", "client_id",
                web.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", tenant.scope(), "state", "s",
                "resource", resource, "code_challenge", pkce.challenge(), "code_challenge_method", "S256")));
        assertThat(consent.body()).as("the consent page names the resource").contains(resource);
        String location = browser.decide(consent, "yes").location();
        String code = Http.queryOf(location).get("code");

        Http.Response elsewhere = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code,
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier(), "resource", resource + "/other"),
                "Authorization", web.basic());
        assertThat(elsewhere.text("error")).isEqualTo("invalid_target");
        Http.Response issued = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code,
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier(), "resource", resource),
                "Authorization", web.basic());
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        assertThat(introspect(server, issued.text("access_token")).get("aud").asText()).isEqualTo(resource);

        Http.Response otherRefresh = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", issued.text("refresh_token"), "resource", resource + "/other"), "Authorization", web.basic());
        assertThat(otherRefresh.text("error")).isEqualTo("invalid_target");
        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", issued.text("refresh_token")), "Authorization", web.basic());
        assertThat(introspect(server, refreshed.text("access_token")).get("aud").asText()).isEqualTo(resource);

        // At the authorization endpoint an unknown resource goes back to the app as invalid_target.
        String refused = browser.http().get("/oauth/authorize?" + Http.form("response_type", "code", "client_id",
                web.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", tenant.scope(), "state", "s",
                "resource", "https://nobody.example.test", "code_challenge", pkce.challenge(),
                "code_challenge_method", "S256")).location();
        assertThat(Http.queryOf(refused).get("error")).isEqualTo("invalid_target");
    }

    @Test
    void onlyAdminsRegisterAResourceOnceAndOnlyForAResourceServer() {
        Http owner = tenant.user().login();
        Http.Response byOwner = owner.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("resource", "https://" + Fixtures.unique("own") + ".example.test")));
        assertThat(byOwner.status()).isEqualTo(403);
        Http.Response notAServer = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("resource", "https://" + Fixtures.unique("plain") + ".example.test")));
        assertThat(notAServer.status()).isEqualTo(400);
        Http.Response taken = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("resource_server", true, "resource", resource)));
        assertThat(taken.status()).isEqualTo(409);
        Http.Response relative = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("resource_server", true, "resource", "/api")));
        assertThat(relative.status()).isEqualTo(400);
    }
}
