package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.http.Routes;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's walls, swept over every page and form of the route table: a visitor is sent to
 * sign in, a form without the session's CSRF token changes nothing, another organization's pages
 * answer 404, a plain member sees no admin controls and is refused their posts, the Admin section
 * is for platform admins, and a bearer token is no way in. Every answer is an HTML page in the
 * console's look with the pages' security headers, never JSON or a 500.
 */
class ConsoleSecurityIT {
    private static Fixtures.User owner;
    private static String orgId;
    private static Fixtures.App app;
    private static Fixtures.User member;
    private static Fixtures.User stranger;
    private static String strangerOrg;
    private static Fixtures.App strangerApp;
    private static String installationId;

    @BeforeAll
    static void tenants() {
        TestServer.get();
        owner = Fixtures.newUser();
        orgId = Fixtures.org(owner.login());
        String scope = Fixtures.scope("con", false);
        app = Fixtures.app(owner.login(), orgId, Map.of("scope", scope, "actor_modes", List.of("app", "self")));
        member = Fixtures.newUser();
        assertThat(owner.login().postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", member.username(), "role", "member")).status()).isEqualTo(201);
        stranger = Fixtures.newUser();
        strangerOrg = Fixtures.org(stranger.login());
        strangerApp = Fixtures.app(stranger.login(), strangerOrg, Map.of("scope", scope, "actor_modes", List.of("app", "self")));
        installationId = installInto(orgId);
    }

    /** The owner installs the stranger's app into their organization through the consent page. */
    private static String installInto(String org) {
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(owner).authorize(Http.form("response_type", "code",
                "client_id", strangerApp.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope",
                strangerApp.json().get("scope").asText(), "state", "s", "actor", "app", "organization_id", org,
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        assertThat(Http.queryOf(location)).containsKey("code");
        var installed = owner.login().get("/api/v1/orgs/" + org + "/installations");
        return installed.json().get("data").get(0).get("id").asText();
    }

    private static List<Routes.Route> consoleRoutes() {
        return TestServer.get().app().consoleRoutes();
    }

    /** The route's path with its parameters filled in for {@code org} and {@code clientId}. */
    private static String fill(String template, String org, String clientId) {
        return template.replace("{id}", org).replace("{client_id}", clientId)
                .replace("{user_id}", UUID.randomUUID().toString())
                .replace("{installation_id}", installationId)
                .replace("{connection_id}", UUID.randomUUID().toString())
                .replace("{consent_id}", UUID.randomUUID().toString())
                .replace("{token_id}", UUID.randomUUID().toString())
                .replace("{scope_id}", UUID.randomUUID().toString());
    }

    private static Http.Response call(Http session, Routes.Route route, String path, String form) {
        return route.method() == HandlerType.GET ? session.get(path)
                : session.postForm(path, form);
    }

    private static void assertConsolePage(Http.Response response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("text/html");
        assertThat(response.header("Content-Security-Policy")).contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline");
        assertThat(response.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void visitorWithoutSessionIsSentToSignInFromEveryPageAndForm() {
        for (Routes.Route route : consoleRoutes()) {
            if (List.of("/", "/signup").contains(route.path())) {
                continue;
            }
            String path = fill(route.path(), orgId, app.clientId());
            Http.Response response = call(Http.anonymous(), route, path, "csrf_token=x");
            assertThat(response.status()).as(route.method() + " " + path).isEqualTo(303);
            assertThat(response.location()).as(route.method() + " " + path).startsWith("/login?return_to=");
        }
    }

    @Test
    void bearerTokenIsNoWayIntoTheConsole() {
        Fixtures.App service = Fixtures.app(owner.login(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app")));
        String token = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).json().get("access_token").asText();
        Http.Response response = Http.anonymous().get("/apps", "Authorization", "Bearer " + token);
        assertThat(response.status()).isEqualTo(303);
        assertThat(response.location()).startsWith("/login");
    }

    @Test
    void formWithoutOrWithAWrongCsrfTokenChangesNothing() {
        Http session = owner.login();
        String before = session.get("/api/v1/orgs").body();
        for (String form : new String[] {"name=Sneaky+Org", "name=Sneaky+Org&csrf_token=" + "A".repeat(43)}) {
            Http.Response response = session.postForm("/orgs", form);
            assertConsolePage(response, 403);
            assertThat(Jsoup.parse(response.body()).selectFirst("h1").text()).isEqualTo("Not allowed");
        }
        assertThat(session.get("/api/v1/orgs").body()).isEqualTo(before);
        for (Routes.Route route : consoleRoutes()) {
            if (route.method() != HandlerType.POST || route.path().equals("/signup")) {
                continue;
            }
            String path = fill(route.path(), orgId, app.clientId());
            assertConsolePage(session.postForm(path, "confirm=yes&name=x&role=admin"), 403);
        }
        assertThat(session.get("/api/v1/oauth/clients/" + app.clientId()).status()).isEqualTo(200);
    }

    @Test
    void anotherOrganizationsPagesAndFormsAnswerNotFound() {
        Http session = owner.login();
        String csrf = Fixtures.consoleCsrf(session);
        for (Routes.Route route : consoleRoutes()) {
            String path = route.path();
            if (!path.startsWith("/orgs/{id}") && !path.startsWith("/apps/{client_id}")) {
                continue;
            }
            String filled = fill(path, strangerOrg, strangerApp.clientId());
            Http.Response response = call(session, route, filled, "csrf_token=" + csrf + "&role=admin&username=x@y.z");
            assertConsolePage(response, 404);
        }
        assertThat(stranger.login().get("/api/v1/oauth/clients/" + strangerApp.clientId()).status()).isEqualTo(200);
    }

    @Test
    void plainMemberSeesNoAdminControlsAndIsRefusedTheirPosts() {
        Http session = member.login();
        Http.Response page = session.get("/orgs/" + orgId);
        assertConsolePage(page, 200);
        Document html = Jsoup.parse(page.body());
        assertThat(html.select("form[action$=/members]")).isEmpty();
        assertThat(html.select("form[action*=/role], form[action*=/remove]")).isEmpty();
        assertThat(html.select("#installed, #connections")).isEmpty();
        assertThat(html.select("a[href$=/audit]")).isEmpty();
        assertThat(html.select("nav[aria-label=Main] a").eachText()).doesNotContain("Admin");

        String csrf = Fixtures.consoleCsrf(session);
        String ownerId = owner.id();
        List<String> refused = new ArrayList<>();
        for (String[] post : new String[][] {
                {"/orgs/" + orgId + "/members", "username=" + stranger.username() + "&role=admin"},
                {"/orgs/" + orgId + "/members/" + ownerId + "/role", "role=member"},
                {"/orgs/" + orgId + "/members/" + ownerId + "/remove", ""},
                {"/orgs/" + orgId + "/installations/" + installationId + "/disconnect", ""}}) {
            Http.Response response = session.postForm(post[0], "csrf_token=" + csrf + "&" + post[1]);
            assertConsolePage(response, 403);
            refused.add(post[0]);
        }
        assertConsolePage(session.get("/orgs/" + orgId + "/audit"), 403);
        assertConsolePage(session.get("/orgs/" + orgId + "/installations/" + installationId + "/disconnect"), 403);
        assertThat(refused).hasSize(4);
        assertThat(owner.login().get("/api/v1/orgs/" + orgId + "/installations").json().get("data")).hasSize(1);
        assertThat(owner.login().get("/api/v1/orgs/" + orgId + "/members").body()).contains("\"role\":\"owner\"");
    }

    @Test
    void anotherPersonsConsentAndOAuthSessionCannotBeEndedFromMyAccountPage() {
        Fixtures.App reader = Fixtures.app(owner.login(), orgId, Map.of("scope", app.json().get("scope").asText()));
        String refresh = reader.exchange(new OAuthBrowser(owner).authorizationCode(reader,
                app.json().get("scope").asText())).get("refresh_token").asText();
        Http ownerSession = owner.login();
        String consentId = ownerSession.get("/api/v1/oauth/consents").json().get("data").get(0).get("id").asText();
        String sessionId = ownerSession.get("/oauth/sessions").json().get(0).get("token_id").asText();
        Http other = stranger.login();
        String csrf = Fixtures.consoleCsrf(other);

        assertConsolePage(other.postForm("/account/consents/" + consentId + "/revoke", "csrf_token=" + csrf), 404);
        assertConsolePage(other.postForm("/account/oauth-sessions/" + sessionId + "/revoke", "csrf_token=" + csrf), 404);
        assertThat(other.postForm("/account/oauth-sessions/revoke-all", "csrf_token=" + csrf).status()).isEqualTo(303);
        assertThat(reader.isActive(refresh)).isTrue();
        assertThat(ownerSession.get("/api/v1/oauth/consents").json().get("data")).isNotEmpty();
    }

    @Test
    void adminSectionIsForPlatformAdminsOnly() {
        Http session = owner.login();
        String csrf = Fixtures.consoleCsrf(session);
        for (Routes.Route route : consoleRoutes()) {
            if (!route.path().startsWith("/admin")) {
                continue;
            }
            String path = fill(route.path(), orgId, app.clientId());
            Http.Response response = call(session, route, path, "csrf_token=" + csrf
                    + "&name=x:y&description=d&kind=scope&decision=approve&admin=on");
            assertConsolePage(response, 403);
        }
        assertConsolePage(Fixtures.admin().get("/admin"), 200);
    }

    @Test
    void malformedIdentifiersAreAClearPageNotAFailure() {
        Http session = owner.login();
        for (String path : new String[] {"/orgs/not-a-uuid", "/orgs/" + orgId + "/audit?since=yesterday",
                "/apps?cursor=nope", "/admin/users?cursor=zz"}) {
            Http.Response response = session.get(path);
            assertThat(response.status()).as(path).isBetween(400, 404);
            assertThat(response.header("Content-Type")).as(path).startsWith("text/html");
        }
        assertThat(session.get("/apps/no-such-app").status()).isEqualTo(404);
    }
}
