package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the console's pages show and what their smaller controls do, over HTTP: the dashboard, the
 * quick start, the account's sessions and history, the admin's users, scopes, keys, approvals, audit
 * filters and system page, refusals shown at their field, and the "Next page" links.
 */
class ConsolePagesIT {

    @BeforeAll
    static void server() {
        TestServer.get();
    }

    private static Document page(Http session, String path) {
        Http.Response response = session.get(path);
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
        return Jsoup.parse(response.body());
    }

    private static Http.Response post(Http session, String path, String... fields) {
        String[] all = new String[fields.length + 2];
        all[0] = "csrf_token";
        all[1] = Fixtures.consoleCsrf(session);
        System.arraycopy(fields, 0, all, 2, fields.length);
        return session.postForm(path, Http.form(all));
    }

    @Test
    void dashboardListsMyOrganizationsAppsAndAuthorizedAppsAndAdminsSeeWhatWaits() {
        var tenant = Fixtures.tenant("dash");
        Http session = tenant.user().login();
        Fixtures.App app = Fixtures.app(session, tenant.orgId(), Map.of("scope", tenant.scope()));
        new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope());
        Fixtures.app(session, tenant.orgId(), Map.of("scope", Fixtures.scope("dash-waits", true)));

        Document dashboard = page(session, "/");
        assertThat(dashboard.select("#orgs-h + ul a").eachAttr("href")).contains("/orgs/" + tenant.orgId());
        assertThat(dashboard.select("#apps-h + ul a").eachAttr("href")).contains("/apps/" + app.clientId());
        assertThat(dashboard.select("#auth-h + ul").text()).contains(app.json().get("name").asText());
        assertThat(dashboard.select("#pending-h")).isEmpty();
        assertThat(page(session, "/apps").select("tbody tr").eachText()).anyMatch(row -> row.contains("Waiting for approval"))
                .anyMatch(row -> row.contains("Ready"));
        String restricted = Fixtures.scope("dash-marked", true);
        assertThat(page(session, "/apps/new").select("label:has(input[value=" + restricted + "])").text())
                .contains("needs approval");
        assertThat(Integer.parseInt(page(Fixtures.admin(), "/").selectFirst("#pending-h + .stat").text().replace("+", "")))
                .isPositive();
    }

    @Test
    void quickStartIsFilledInWithTheAppsClientIdAndFirstRedirectUri() {
        var tenant = Fixtures.tenant("quick");
        Fixtures.App app = Fixtures.app(tenant.user().login(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"),
                "actor_modes", List.of("self", "app")));

        Document shown = page(tenant.user().login(), "/apps/" + app.clientId());

        String authorize = shown.selectFirst("#qs-authorize").text();
        assertThat(Http.queryOf(authorize)).containsEntry("client_id", app.clientId())
                .containsEntry("redirect_uri", Fixtures.REDIRECT_URI).containsEntry("scope", tenant.scope());
        assertThat(shown.selectFirst("#qs-token").text()).contains("'" + app.clientId() + ":CLIENT_SECRET'",
                "'redirect_uri=" + Fixtures.REDIRECT_URI + "'");
        assertThat(shown.selectFirst("#qs-cc").text()).contains("grant_type=client_credentials");
    }

    @Test
    void webhookDeliveryIsListedWithItsStateAndRedeliveredFromTheAppsPage() {
        var developer = Fixtures.tenant("hooks");
        Http session = developer.user().login();
        String scopes = developer.scope() + " webhooks:manage";
        Fixtures.App app = Fixtures.app(session, developer.orgId(), Map.of("scope", scopes,
                "actor_modes", List.of("app", "self"), "webhook_url", "http://127.0.0.1:9/hook",
                "webhook_events", List.of("installation.created")));
        var installer = Fixtures.newUser();
        String target = Fixtures.org(installer.login());
        var pkce = Fixtures.pkce();
        new OAuthBrowser(installer).authorize(Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", scopes, "state", "s", "actor", "app",
                "organization_id", target, "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        Document shown = page(session, "/apps/" + app.clientId());
        assertThat(shown.select("#deliveries tbody td code").eachText()).contains("installation.created");
        String redeliver = shown.selectFirst("#deliveries form").attr("action");

        assertThat(post(session, redeliver).location()).isEqualTo("/apps/" + app.clientId() + "?done=redelivered#deliveries");
        assertThat(page(session, "/apps/" + app.clientId()).select("#installs-h ~ .table-wrap td").eachText())
                .anyMatch(cell -> cell.contains(developer.scope()));
    }

    @Test
    void rotationWithAGraceOutOfRangeIsRefusedAtItsField() {
        var tenant = Fixtures.tenant("grace");
        Http session = tenant.user().login();
        Fixtures.App app = Fixtures.app(session, tenant.orgId(), Map.of());

        Http.Response refused = post(session, "/apps/" + app.clientId() + "/secret", "grace_seconds", "9999999");

        assertThat(refused.status()).isEqualTo(400);
        assertThat(Jsoup.parse(refused.body()).selectFirst("#grace_seconds-error").text()).startsWith("grace_seconds");
        // The old secret still authenticates: nothing was rotated.
        assertThat(Http.anonymous().postForm("/oauth/introspect", Http.form("token", "x"), "Authorization", app.basic())
                .status()).isEqualTo(200);
    }

    @Test
    void accountEndsOAuthSessionsOneOrAllShowsHistoryAndSignsOutOtherBrowsers() {
        var tenant = Fixtures.tenant("acct");
        Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        var browser = new OAuthBrowser(tenant.user());
        String first = app.exchange(browser.authorizationCode(app, tenant.scope())).get("refresh_token").asText();
        String second = app.exchange(browser.authorizationCode(app, tenant.scope())).get("refresh_token").asText();
        Http session = tenant.user().login();
        Http elsewhere = tenant.user().login();

        Document account = page(session, "/account");
        List<Element> revokes = account.select("form[action^=/account/oauth-sessions/][action$=/revoke]");
        assertThat(revokes).hasSize(2);
        assertThat(account.select("#history td").eachText()).contains("granted");
        assertThat(post(session, revokes.getFirst().attr("action")).location()).isEqualTo("/account?done=session-revoked#sessions");
        assertThat(page(session, "/account").select("form[action$=/revoke][action^=/account/oauth-sessions/]")).hasSize(1);
        assertThat(post(session, "/account/oauth-sessions/revoke-all").status()).isEqualTo(303);
        assertThat(app.isActive(first) || app.isActive(second)).isFalse();
        assertThat(page(session, "/account").select("#sessions .empty")).hasSize(1);

        assertThat(post(session, "/account/browser-sessions/sign-out-others").status()).isEqualTo(303);
        assertThat(elsewhere.get("/api/v1/users/me").status()).isEqualTo(401);
        assertThat(session.get("/api/v1/users/me").status()).isEqualTo(200);
    }

    @Test
    void unverifiedPersonAsksForANewVerificationLink() {
        Fixtures.User user = Fixtures.newUser();
        Http session = user.login();
        assertThat(page(session, "/account").select("#email-h ~ p .badge").text()).isEqualTo("not verified");

        Http.Response sent = post(session, "/account/verification");

        assertThat(sent.location()).isEqualTo("/account?done=verification-sent");
        assertThat(page(session, sent.location()).selectFirst(".notice").text()).contains("verification link");
    }

    @Test
    void adminSearchesPagesDisablesPromotesAndDeletesUsers() {
        Http admin = Fixtures.admin();
        Fixtures.User user = Fixtures.newUser();

        Document found = page(admin, "/admin/users?q=" + user.username());
        assertThat(found.select("tbody tr")).hasSize(1);
        assertThat(found.select("tbody td").first().text()).isEqualTo(user.username());
        String next = page(admin, "/admin/users?limit=1").selectFirst(".pager a").attr("href");
        assertThat(next).startsWith("/admin/users?cursor=");
        assertThat(page(admin, next).select("tbody tr")).isNotEmpty();

        assertThat(post(admin, "/admin/users/" + user.id(), "admin", "on", "disabled", "on").status()).isEqualTo(303);
        var stored = admin.get("/api/v1/users?q=" + user.username()).json().get("data").get(0);
        assertThat(stored.get("disabled").asBoolean()).isTrue();
        assertThat(stored.get("roles").toString()).contains("admin");
        assertThat(post(admin, "/admin/users/" + user.id()).status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/users?q=" + user.username()).json().get("data").get(0).get("disabled").asBoolean())
                .isFalse();

        String me = admin.get("/api/v1/users/me").text("id");
        Http.Response self = post(admin, "/admin/users/" + me);
        assertThat(self.status()).isEqualTo(409);
        assertThat(Jsoup.parse(self.body()).selectFirst(".error").text()).contains("cannot");

        assertThat(post(admin, "/admin/users/" + user.id() + "/delete").location()).isEqualTo("/admin/users?done=user-deleted");
        assertThat(admin.get("/api/v1/users?q=" + user.username()).json().get("data")).isEmpty();
    }

    @Test
    void adminCreatesEditsAndDeletesAScope() {
        Http admin = Fixtures.admin();
        String name = Fixtures.unique("console").replace('-', '.') + ":read";

        assertThat(post(admin, "/admin/scopes", "name", name, "description", "Read it", "restricted", "on").status())
                .isEqualTo(303);
        Http.Response duplicate = post(admin, "/admin/scopes", "name", name, "description", "Again");
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(Jsoup.parse(duplicate.body()).selectFirst(".error").text()).contains("already exists");
        var scope = findScope(admin, name);
        assertThat(scope.get("restricted").asBoolean()).isTrue();

        assertThat(post(admin, "/admin/scopes/" + scope.get("id").asText(), "description", "Read it all").status())
                .isEqualTo(303);
        var edited = findScope(admin, name);
        assertThat(edited.get("description").asText()).isEqualTo("Read it all");
        assertThat(edited.get("restricted").asBoolean()).isFalse();

        assertThat(post(admin, "/admin/scopes/" + scope.get("id").asText() + "/delete").status()).isEqualTo(303);
        assertThat(findScope(admin, name)).isNull();
    }

    @Test
    void adminApprovesThePasswordGrantAndRotatesTheSigningKeys() {
        var tenant = Fixtures.tenant("pwgrant");
        Fixtures.App app = Fixtures.app(tenant.user().login(), tenant.orgId(), Map.of("grant_types",
                List.of("password", "refresh_token"), "scope", tenant.scope()));
        Http admin = Fixtures.admin();

        Element row = page(admin, "/admin").select("form[action=/admin/approvals/" + app.clientId() + "]").first();
        assertThat(row.selectFirst("input[name=kind]").val()).isEqualTo("grant_type");
        assertThat(row.selectFirst("input[name=name]").val()).isEqualTo("password");
        assertThat(post(admin, "/admin/approvals/" + app.clientId(), "kind", "grant_type", "name", "password",
                "decision", "approve").location()).isEqualTo("/admin?done=approved");
        assertThat(tenant.user().login().get("/api/v1/oauth/clients/" + app.clientId()).json().get("approved_grant_types")
                .toString()).contains("password");

        int before = page(admin, "/admin/keys").select("tbody tr").size();
        assertThat(post(admin, "/admin/keys/rotate").location()).isEqualTo("/admin/keys?done=keys-rotated");
        assertThat(page(admin, "/admin/keys").select("tbody tr").size()).isGreaterThan(before);
    }

    @Test
    void auditPageFiltersByActorOrganizationAndTimeAndPages() {
        var tenant = Fixtures.tenant("auditpage");
        Http owner = tenant.user().login();
        Fixtures.app(owner, tenant.orgId(), Map.of());
        Fixtures.app(owner, tenant.orgId(), Map.of());
        Http admin = Fixtures.admin();

        Document byActor = page(admin, "/admin/audit?action=client.created&actor_id=" + tenant.user().id());
        assertThat(byActor.select("tbody tr")).hasSize(2);
        Document byOrg = page(admin, "/admin/audit?action=client.created&organization_id=" + tenant.orgId()
                + "&since=2000-01-01T00:00&until=2999-01-01T00:00");
        assertThat(byOrg.select("tbody tr")).hasSize(2);
        assertThat(page(admin, "/admin/audit?action=client.created&organization_id=" + tenant.orgId()
                + "&until=2000-01-01T00:00").select(".empty")).hasSize(1);
        String next = page(admin, "/admin/audit?limit=1&action=client.created&organization_id=" + tenant.orgId())
                .selectFirst(".pager a").attr("href");
        assertThat(next).contains("action=client.created", "organization_id=" + tenant.orgId(), "cursor=");
        assertThat(page(admin, next).select("tbody tr")).hasSize(1);
        assertThat(page(owner, "/orgs/" + tenant.orgId() + "/audit?action=client.created").select("tbody tr")).hasSize(2);
    }

    @Test
    void systemPageShowsHealthVersionAndConfigurationWithoutSecrets() {
        String body = Fixtures.admin().get("/admin/system").body();
        Document system = Jsoup.parse(body);

        assertThat(system.select("#health-h ~ p").text()).contains("Database: ok", "Version: 0.1.0");
        assertThat(system.select("#config-h ~ div th").eachText()).contains("Issuer", "Rate limits", "Encryption keys");
        assertThat(system.selectFirst("#vault-h + pre").text()).contains("\"platforms\"");
        assertThat(body).doesNotContain(TestServer.ENCRYPTION_KEY, TestServer.ADMIN_PASSWORD);
    }

    @Test
    void lastOwnersRoleChangeIsRefusedOnTheOrganizationPage() {
        var tenant = Fixtures.tenant("lastowner");
        Http session = tenant.user().login();

        Http.Response refused = post(session, "/orgs/" + tenant.orgId() + "/members/" + tenant.user().id() + "/role",
                "role", "member");

        assertThat(refused.status()).isEqualTo(409);
        assertThat(Jsoup.parse(refused.body()).selectFirst("#members .error").text()).contains("at least one owner");
    }

    /** The scope named {@code name} from the catalog (the API's pages, followed to the end), or null. */
    private static JsonNode findScope(Http admin, String name) {
        String cursor = "";
        while (cursor != null) {
            JsonNode page = admin.get("/api/v1/oauth/scopes?limit=200" + (cursor.isEmpty() ? "" : "&cursor=" + cursor)).json();
            for (JsonNode scope : page.get("data")) {
                if (scope.get("name").asText().equals(name)) {
                    return scope;
                }
            }
            cursor = page.path("next_cursor").isTextual() ? page.get("next_cursor").asText() : null;
        }
        return null;
    }
}
