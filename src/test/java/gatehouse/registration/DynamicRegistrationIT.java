package gatehouse.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592) over HTTP, registering with
 * Nimbus' client: initial access tokens made by an organization's admin, a registered app used for
 * a real authorization, reading, replacing and deleting a registration; open registration on a
 * server of its own; and the refusals — no token, a used-up token, another organization's admin, a
 * plain member, a wrong registration access token.
 */
class DynamicRegistrationIT {
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("dcr");
    private TestServer openServer;

    @AfterEach
    void stopOpenServer() {
        if (openServer != null) {
            openServer.close();
        }
    }

    private String path() {
        return "/api/v1/orgs/" + tenant.orgId() + "/initial-access-tokens";
    }

    private JsonNode initialToken(int maxUses) {
        Http.Response created = tenant.user().login().postJson(path(), Map.of("expires_in", 3600, "max_uses", maxUses));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json();
    }

    private ClientRegistrationResponse registerWithNimbus(String initialToken, ClientMetadata metadata) throws Exception {
        var request = new ClientRegistrationRequest(URI.create(issuer + "/oauth/register"), metadata,
                initialToken == null ? null : new BearerAccessToken(initialToken));
        return ClientRegistrationResponse.parse(request.toHTTPRequest().send());
    }

    private ClientMetadata webApp() {
        var metadata = new ClientMetadata();
        metadata.setName("Registered Reports");
        metadata.setRedirectionURI(URI.create(Fixtures.REDIRECT_URI));
        metadata.setGrantTypes(Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
        metadata.setScope(new Scope(tenant.scope()));
        return metadata;
    }

    @Test
    void anAppRegistersWithAnInitialAccessTokenAndAuthorizesLikeAnyOther() throws Exception {
        JsonNode initial = initialToken(1);
        assertThat(initial.get("token").asText()).contains("iat_");
        assertThat(initial.get("max_uses").asInt()).isEqualTo(1);

        var response = registerWithNimbus(initial.get("token").asText(), webApp());
        assertThat(response.indicatesSuccess()).as(() -> ((ClientRegistrationErrorResponse) response).getErrorObject()
                .toString()).isTrue();
        var registered = response.toSuccessResponse().getClientInformation();
        assertThat(registered.getSecret()).isNotNull();
        assertThat(registered.getRegistrationAccessToken()).isNotNull();
        assertThat(registered.getRegistrationURI()).isEqualTo(URI.create(issuer + "/oauth/register/" + registered.getID()));
        assertThat(registered.getMetadata().getName()).isEqualTo("Registered Reports");

        // An app like any other: the management API shows it in the organization, and it authorizes.
        Http.Response shown = tenant.user().login().get("/api/v1/oauth/clients/" + registered.getID());
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.text("owner_org_id")).isEqualTo(tenant.orgId());
        var app = new Fixtures.App(registered.getID().getValue(), registered.getSecret().getValue(), shown.json());
        var code = new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope());
        assertThat(app.exchange(code).get("access_token").asText()).isNotBlank();

        // Used up.
        Http.Response again = api.postJson("/oauth/register", Map.of("redirect_uris", List.of(Fixtures.REDIRECT_URI)),
                "Authorization", "Bearer " + initial.get("token").asText());
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.text("error")).isEqualTo("invalid_token");
    }

    @Test
    void theRegistrationAccessTokenReadsReplacesAndDeletesItsOwnRegistrationOnly() throws Exception {
        var registered = registerWithNimbus(initialToken(2).get("token").asText(), webApp()).toSuccessResponse()
                .getClientInformation();
        String uri = "/oauth/register/" + registered.getID();
        String bearer = "Bearer " + registered.getRegistrationAccessToken().getValue();

        Http.Response read = api.get(uri, "Authorization", bearer);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("redirect_uris").get(0).asText()).isEqualTo(Fixtures.REDIRECT_URI);
        assertThat(read.json().has("client_secret")).isFalse();
        assertThat(read.header("Cache-Control")).contains("no-store");
        // Each answer carries the next registration access token; the one used is spent.
        assertThat(api.get(uri, "Authorization", bearer).status()).isEqualTo(401);
        bearer = "Bearer " + read.text("registration_access_token");

        Http.Response replaced = api.putJson(uri, Map.of("client_id", registered.getID().getValue(),
                "client_name", "Renamed", "redirect_uris", List.of("https://renamed.example.test/cb"),
                "scope", tenant.scope()), "Authorization", bearer);
        assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
        assertThat(replaced.text("client_name")).isEqualTo("Renamed");
        assertThat(replaced.json().get("grant_types").toString()).isEqualTo("[\"authorization_code\"]");
        bearer = "Bearer " + replaced.text("registration_access_token");

        var other = registerWithNimbus(initialToken(1).get("token").asText(), webApp()).toSuccessResponse()
                .getClientInformation();
        assertThat(api.get("/oauth/register/" + other.getID(), "Authorization", bearer).status()).isEqualTo(401);
        assertThat(api.get(uri, "Authorization", "Bearer forat_x").status()).isEqualTo(401);
        assertThat(api.get(uri).status()).isEqualTo(401);

        assertThat(api.delete(uri, "Authorization", bearer).status()).isEqualTo(204);
        assertThat(api.get(uri, "Authorization", bearer).status()).isEqualTo(401);
        assertThat(Fixtures.admin().get("/api/v1/oauth/clients/" + registered.getID()).status()).isEqualTo(404);
    }

    @Test
    void registrationWithoutAnInitialAccessTokenIsRefusedUnlessOpen() {
        Http.Response none = api.postJson("/oauth/register", Map.of("client_name", "x",
                "redirect_uris", List.of(Fixtures.REDIRECT_URI), "token_endpoint_auth_method", "none"));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.text("error")).isEqualTo("invalid_token");
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
        Http.Response forged = api.postJson("/oauth/register", Map.of("client_name", "x"),
                "Authorization", "Bearer foiat_not-a-real-token");
        assertThat(forged.status()).isEqualTo(401);

        // Neither a user's access token nor an organization admin's own app token registers anything.
        var web = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        String userToken = web.exchange(new OAuthBrowser(tenant.user()).authorizationCode(web, tenant.scope()))
                .get("access_token").asText();
        Http.Response asUser = api.postJson("/oauth/register", Map.of("redirect_uris", List.of(Fixtures.REDIRECT_URI)),
                "Authorization", "Bearer " + userToken);
        assertThat(asUser.status()).isEqualTo(401);
        assertThat(asUser.text("error")).isEqualTo("invalid_token");
        Http.Response readAsUser = api.get("/oauth/register/" + web.clientId(), "Authorization", "Bearer " + userToken);
        assertThat(readAsUser.status()).isEqualTo(401);
    }

    @Test
    void badMetadataIsInvalidClientMetadataOrInvalidRedirectUri() {
        String token = initialToken(5).get("token").asText();
        Http.Response badRedirect = api.postJson("/oauth/register", Map.of("redirect_uris", List.of("http://evil.example.test/cb")),
                "Authorization", "Bearer " + token);
        assertThat(badRedirect.status()).isEqualTo(400);
        assertThat(badRedirect.text("error")).isEqualTo("invalid_redirect_uri");
        Http.Response badGrant = api.postJson("/oauth/register", Map.of("grant_types", List.of("implicit"),
                "redirect_uris", List.of(Fixtures.REDIRECT_URI)), "Authorization", "Bearer " + token);
        assertThat(badGrant.text("error")).isEqualTo("invalid_client_metadata");
        Http.Response badResponseType = api.postJson("/oauth/register", Map.of("response_types", List.of("token"),
                "redirect_uris", List.of(Fixtures.REDIRECT_URI)), "Authorization", "Bearer " + token);
        assertThat(badResponseType.text("error")).isEqualTo("invalid_client_metadata");
        Http.Response notJson = api.send("POST", "/oauth/register", "text/plain", "x", "Authorization", "Bearer " + token);
        assertThat(notJson.status()).isBetween(400, 415);
    }

    @Test
    void onlyTheOrganizationsOwnersAndAdminsManageItsInitialAccessTokens() {
        JsonNode initial = initialToken(1);
        Http owner = tenant.user().login();
        assertThat(owner.get(path()).json().get("data").get(0).has("token")).isFalse();

        var stranger = Fixtures.tenant("dcr-other");
        assertThat(stranger.user().login().postJson(path(), Map.of()).status()).isEqualTo(404);
        assertThat(stranger.user().login().get(path()).status()).isEqualTo(404);
        var member = Fixtures.newUser();
        owner.postJson("/api/v1/orgs/" + tenant.orgId() + "/members", Map.of("username", member.username(), "role", "member"));
        assertThat(member.login().postJson(path(), Map.of()).status()).isEqualTo(403);
        assertThat(member.login().delete(path() + "/" + initial.get("id").asText()).status()).isEqualTo(403);
        String appToken = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("grant_types",
                        List.of("client_credentials"))).basic()).text("access_token");
        assertThat(api.postJson(path(), Map.of(), "Authorization", "Bearer " + appToken).status()).isEqualTo(403);

        assertThat(owner.postJson(path(), Map.of("max_uses", 0)).status()).isEqualTo(400);
        assertThat(owner.postJson(path(), Map.of("expires_in", 99_999_999)).status()).isEqualTo(400);
        assertThat(owner.delete(path() + "/" + initial.get("id").asText()).status()).isEqualTo(204);
        Http.Response revoked = api.postJson("/oauth/register", Map.of("redirect_uris", List.of(Fixtures.REDIRECT_URI)),
                "Authorization", "Bearer " + initial.get("token").asText());
        assertThat(revoked.status()).isEqualTo(401);
    }

    @Test
    void nobodyCanTakeTheBuiltInOrganizationsSlugBeforeOpenRegistrationMakesIt() {
        Http user = tenant.user().login();
        Http.Response claimed = user.postJson("/api/v1/orgs", Map.of("name", "Mine", "slug", "dynamic-clients"));
        assertThat(claimed.status()).isEqualTo(409);
        Http.Response named = user.postJson("/api/v1/orgs", Map.of("name", "Dynamic clients"));
        assertThat(named.status()).isEqualTo(201);
        assertThat(named.text("slug")).isNotEqualTo("dynamic-clients");
    }

    @Test
    void aRegistrationAccessTokenCannotChangeAnAppAnAdminApprovedCapabilitiesFor() throws Exception {
        String restricted = Fixtures.scope("dcr-restricted", true);
        var metadata = webApp();
        metadata.setScope(new Scope(tenant.scope(), restricted));
        var registered = registerWithNimbus(initialToken(1).get("token").asText(), metadata).toSuccessResponse()
                .getClientInformation();
        assertThat(Fixtures.admin().postJson("/api/v1/oauth/clients/" + registered.getID() + "/approvals",
                Map.of("scopes", List.of(restricted))).status()).isEqualTo(200);
        Http.Response changed = api.putJson("/oauth/register/" + registered.getID(), Map.of("redirect_uris",
                List.of("https://attacker.example.test/cb")), "Authorization",
                "Bearer " + registered.getRegistrationAccessToken().getValue());
        assertThat(changed.status()).isEqualTo(403);
    }

    @Test
    void openRegistrationTakesPublicAppsIntoTheBuiltInOrganization() {
        openServer = TestServer.start(Map.of("GATEHOUSE_DYNAMIC_REGISTRATION", "open"));
        Http open = Http.anonymous(openServer.baseUrl());
        Http.Response cli = open.postJson("/oauth/register", Map.of("client_name", "An agent",
                "redirect_uris", List.of("http://127.0.0.1:8976/callback"), "token_endpoint_auth_method", "none",
                "grant_types", List.of("authorization_code", "refresh_token")));
        assertThat(cli.status()).as(cli.body()).isEqualTo(201);
        assertThat(cli.json().has("client_secret")).isFalse();
        assertThat(cli.text("token_endpoint_auth_method")).isEqualTo("none");
        Http.Response confidential = open.postJson("/oauth/register", Map.of("client_name", "A server",
                "redirect_uris", List.of("https://server.example.test/cb")));
        assertThat(confidential.status()).isEqualTo(400);
        assertThat(confidential.text("error")).isEqualTo("invalid_client_metadata");
        Http.Response second = open.postJson("/oauth/register", Map.of("client_name", "Another agent",
                "redirect_uris", List.of("http://127.0.0.1:8977/callback"), "token_endpoint_auth_method", "none"));
        assertThat(second.text("organization_id")).isEqualTo(cli.text("organization_id"));
    }
}
