package gatehouse.installations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Apps owned by one organization, installed by another (docs/http.md, "The OAuth flows" and "The
 * management API"): the installing admin chooses
 * the organization on the consent page; the app's tokens act there only; disconnecting ends them.
 */
class InstallationsIT {
    private static final Http API = Http.anonymous();

    private Fixtures.User developer;
    private Fixtures.App app;
    private String scope;
    private Fixtures.User targetAdmin;
    private String targetOrg;

    @BeforeAll
    static void server() {
        TestServer.get();
    }

    /** Organization A owns an app acting as itself or as users; organization B's owner will install it. */
    private void appOwnedByAnotherOrganization() {
        developer = Fixtures.newUser();
        String ownerOrg = Fixtures.org(developer.login());
        scope = Fixtures.scope("inst", false);
        app = Fixtures.app(developer.login(), ownerOrg, Map.of("actor_modes", List.of("app", "self"),
                "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"), "scope", scope));
        targetAdmin = Fixtures.newUser();
        targetOrg = Fixtures.org(targetAdmin.login());
    }

    private String authorizeQuery(String actor, String orgId, Fixtures.PkcePair pkce) {
        return Http.form("response_type", "code", "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI,
                "scope", scope, "state", "st", "actor", actor, "organization_id", orgId,
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256");
    }

    /** The admin installs the app into the target organization on the consent page; returns the token response. */
    private JsonNode install(Fixtures.User admin, String orgId) {
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(admin);
        String location = browser.authorize(authorizeQuery("app", orgId, pkce));
        String code = Http.queryOf(location).get("code");
        assertThat(code).as(location).isNotNull();
        return app.exchange(new OAuthBrowser.Code(code, pkce.verifier()));
    }

    private Http.Response clientCredentials(String orgId) {
        return API.postForm("/oauth/token", Http.form("grant_type", "client_credentials", "organization_id", orgId),
                "Authorization", app.basic());
    }

    private static Http.Response tokenInfo(String token) {
        return API.get("/oauth/token/info", "Authorization", "Bearer " + token);
    }

    private JsonNode installationsOf(Http session, String orgId) {
        Http.Response response = session.get("/api/v1/orgs/" + orgId + "/installations");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("data");
    }

    @Test
    void adminInstallsAnAppOfAnotherOrganizationAndItsTokensActThereOnly() {
        appOwnedByAnotherOrganization();
        JsonNode tokens = install(targetAdmin, targetOrg);
        assertThat(tokens.get("organization_id").asText()).isEqualTo(targetOrg);
        assertThat(tokens.get("actor").asText()).isEqualTo("app");
        JsonNode info = tokenInfo(tokens.get("access_token").asText()).json();
        assertThat(info.get("organization_id").asText()).isEqualTo(targetOrg);
        assertThat(info.get("actor").asText()).isEqualTo("app");
        assertThat(info.get("user_id").isNull()).isTrue();

        JsonNode installed = installationsOf(targetAdmin.login(), targetOrg);
        assertThat(installed).hasSize(1);
        assertThat(installed.get(0).get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(installed.get(0).get("client_name").asText()).isEqualTo(app.json().get("name").asText());
        assertThat(installed.get(0).get("installed_by").asText()).isEqualTo(targetAdmin.id());
        assertThat(installed.get(0).get("scopes")).extracting(JsonNode::asText).containsExactly(scope);

        // The installed organization can now get tokens by client credentials; a second token revokes the first.
        Http.Response service = clientCredentials(targetOrg);
        assertThat(service.status()).as(service.body()).isEqualTo(200);
        assertThat(service.text("organization_id")).isEqualTo(targetOrg);
        assertThat(service.text("scope")).isEqualTo(scope);
        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        assertThat(app.isActive(service.text("access_token"))).isTrue();

        // Another organization's ID gets nothing: the app is not installed there.
        String otherOrg = Fixtures.org(targetAdmin.login());
        Http.Response elsewhere = clientCredentials(otherOrg);
        assertThat(elsewhere.status()).isEqualTo(400);
        assertThat(elsewhere.text("error")).isEqualTo("unauthorized_client");
        Http.Response unknown = clientCredentials("00000000-0000-7000-8000-00000000abcd");
        assertThat(unknown.text("error")).isEqualTo("unauthorized_client");
        // Nor can the target organization's token reach the other organization's resources.
        Http.Response foreign = API.get("/api/v1/orgs/" + otherOrg, "Authorization", "Bearer " + service.text("access_token"));
        assertThat(foreign.status()).isIn(403, 404);
    }

    @Test
    void consentPageOffersOnlyOrganizationsTheUserAdministersForActorApp() {
        appOwnedByAnotherOrganization();
        String memberOnly = Fixtures.org(Fixtures.admin());
        Fixtures.admin().postJson("/api/v1/orgs/" + memberOnly + "/members",
                Map.of("username", targetAdmin.username(), "role", "member"));
        var browser = new OAuthBrowser(targetAdmin);
        var pkce = Fixtures.pkce();
        Http.Response page = browser.open(authorizeQuery("app", targetOrg, pkce));
        page = browser.signIn(page);
        var options = Jsoup.parse(page.body()).select("select[name=organization_id] option");
        assertThat(options).extracting(o -> o.attr("value")).containsExactly(targetOrg);
        assertThat(Jsoup.parse(page.body()).text()).contains("as itself");

        // For actor self any membership counts.
        Http.Response selfPage = browser.open(authorizeQuery("self", targetOrg, Fixtures.pkce()));
        assertThat(Jsoup.parse(selfPage.body()).select("select[name=organization_id] option"))
                .extracting(o -> o.attr("value")).contains(targetOrg, memberOnly);
    }

    @Test
    void memberWhoIsNotAdminCannotInstallAsApp() {
        appOwnedByAnotherOrganization();
        var member = Fixtures.newUser();
        targetAdmin.login().postJson("/api/v1/orgs/" + targetOrg + "/members",
                Map.of("username", member.username(), "role", "member"));
        var browser = new OAuthBrowser(member);
        Http.Response response = browser.open(authorizeQuery("app", targetOrg, Fixtures.pkce()));
        response = browser.signIn(response);
        assertThat(response.status()).isEqualTo(302);
        assertThat(Http.queryOf(response.location()).get("error")).isEqualTo("access_denied");

        // Forging the form for the organization does not help either.
        Http.Response selfPage = browser.open(authorizeQuery("self", targetOrg, Fixtures.pkce()));
        String csrf = Jsoup.parse(selfPage.body()).selectFirst("input[name=csrf_token]").attr("value");
        var pkce = Fixtures.pkce();
        Http.Response forged = browser.http().postForm("/oauth/authorize", authorizeQuery("app", targetOrg, pkce)
                + "&" + Http.form("csrf_token", csrf, "confirm", "yes"));
        assertThat(forged.status()).isEqualTo(302);
        assertThat(Http.queryOf(forged.location()).get("error")).isEqualTo("access_denied");

        assertThat(installationsOf(targetAdmin.login(), targetOrg)).isEmpty();
        assertThat(clientCredentials(targetOrg).text("error")).isEqualTo("unauthorized_client");
        assertThat(member.login().get("/api/v1/orgs/" + targetOrg + "/installations").status()).isEqualTo(403);
    }

    @Test
    void disconnectRevokesEveryTokenOfTheAppInTheOrganizationAtOnce() {
        appOwnedByAnotherOrganization();
        JsonNode appTokens = install(targetAdmin, targetOrg);
        // A user of the target organization also lets the app act as them there.
        var user = Fixtures.newUser();
        targetAdmin.login().postJson("/api/v1/orgs/" + targetOrg + "/members",
                Map.of("username", user.username(), "role", "member"));
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(user).authorize(authorizeQuery("self", targetOrg, pkce));
        JsonNode selfTokens = app.exchange(new OAuthBrowser.Code(Http.queryOf(location).get("code"), pkce.verifier()));
        String installationId = installationsOf(targetAdmin.login(), targetOrg).get(0).get("id").asText();

        Http.Response disconnected = targetAdmin.login().delete("/api/v1/orgs/" + targetOrg + "/installations/" + installationId);
        assertThat(disconnected.status()).as(disconnected.body()).isEqualTo(204);

        for (JsonNode tokens : List.of(appTokens, selfTokens)) {
            String access = tokens.get("access_token").asText();
            assertThat(tokenInfo(access).status()).isEqualTo(401);
            assertThat(app.isActive(access)).isFalse();
            Http.Response refresh = API.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                    "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());
            assertThat(refresh.text("error")).isEqualTo("invalid_grant");
        }
        assertThat(installationsOf(targetAdmin.login(), targetOrg)).isEmpty();
        assertThat(clientCredentials(targetOrg).text("error")).isEqualTo("unauthorized_client");
        assertThat(targetAdmin.login().delete("/api/v1/orgs/" + targetOrg + "/installations/" + installationId).status())
                .isEqualTo(404);

        // The approval went with it: installing again asks again.
        var again = new OAuthBrowser(targetAdmin);
        Http.Response page = again.signIn(again.open(authorizeQuery("app", targetOrg, Fixtures.pkce())));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Approve");

        JsonNode audit = Fixtures.admin().get("/api/v1/audit-logs?limit=200&client_id=" + app.clientId()).json().get("data");
        assertThat(StreamSupport.stream(audit.spliterator(), false).map(e -> e.get("action").asText()))
                .contains("installation.created", "installation.revoked");
        JsonNode revoked = StreamSupport.stream(audit.spliterator(), false)
                .filter(e -> e.get("action").asText().equals("installation.revoked")).findFirst().orElseThrow();
        assertThat(revoked.get("organization_id").asText()).isEqualTo(targetOrg);
        assertThat(revoked.get("actor_id").asText()).isEqualTo(targetAdmin.id());
        assertThat(revoked.get("details").get("installation_id").asText()).isEqualTo(installationId);
    }

    @Test
    void codeApprovedBeforeADisconnectCannotBeExchangedAfterIt() {
        appOwnedByAnotherOrganization();
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(targetAdmin).authorize(authorizeQuery("app", targetOrg, pkce));
        String code = Http.queryOf(location).get("code");
        String installationId = installationsOf(targetAdmin.login(), targetOrg).get(0).get("id").asText();
        assertThat(targetAdmin.login().delete("/api/v1/orgs/" + targetOrg + "/installations/" + installationId).status())
                .isEqualTo(204);

        Http.Response exchange = API.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code,
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier()), "Authorization", app.basic());
        assertThat(exchange.status()).isEqualTo(400);
        assertThat(exchange.text("error")).isEqualTo("invalid_grant");
    }

    @Test
    void installedAppTokenCannotPublishEventsEvenWithTheScope() {
        // An app an admin approved for events:publish, installed into another organization: the
        // service scope is never part of an installation (nor of its tokens).
        String ownerOrg = Fixtures.org(Fixtures.admin());
        String plain = Fixtures.scope("inst", false);
        var publisher = Fixtures.app(Fixtures.admin(), ownerOrg, Map.of("actor_modes", List.of("app"),
                "grant_types", List.of("authorization_code", "client_credentials"), "scope", plain + " events:publish"));
        targetAdmin = Fixtures.newUser();
        targetOrg = Fixtures.org(targetAdmin.login());
        app = publisher;
        scope = plain;
        install(targetAdmin, targetOrg);
        Http.Response asked = API.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "organization_id", targetOrg, "scope", "events:publish"), "Authorization", app.basic());
        assertThat(asked.status()).isEqualTo(400);
        assertThat(asked.text("error")).isEqualTo("invalid_scope");
        String installed = clientCredentials(targetOrg).text("access_token");
        String otherOrg = Fixtures.org(Fixtures.admin());
        Http.Response forged = API.postJson("/api/v1/events", Map.of("organization_id", otherOrg, "type", "task.created"),
                "Authorization", "Bearer " + installed);
        assertThat(forged.status()).isEqualTo(403);

        // Its own service token, in its owner organization, may.
        String service = API.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", publisher.basic()).text("access_token");
        assertThat(API.postJson("/api/v1/events", Map.of("organization_id", otherOrg, "type", "task.created"),
                "Authorization", "Bearer " + service).status()).isEqualTo(202);
    }
}
