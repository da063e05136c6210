package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the console's forms do, over HTTP: each posts, changes what the matching API route would,
 * and redirects (post/redirect/get) — or shows the API's error description next to the field.
 */
class ConsoleFormsIT {

    @BeforeAll
    static void server() {
        TestServer.get();
    }

    @Test
    void newAppFormRegistersTheAppAndShowsItsSecretOnceNeverAgain() {
        Fixtures.User dev = Fixtures.newUser();
        Http session = dev.login();
        String org = Fixtures.org(session);
        String scope = Fixtures.scope("forms", false);

        Http.Response created = session.postForm("/apps", Http.form("csrf_token", Fixtures.consoleCsrf(session), "name", "Form App",
                "homepage_url", "https://form.example", "redirect_uris", "https://form.example/cb\nhttps://form.example/cb2",
                "owner_org_id", org, "client_type", "confidential", "scope", scope, "grant_types", "authorization_code",
                "grant_types", "refresh_token", "actor_modes", "self", "access_token_format", "jwt",
                "access_token_signing_alg", "RS256", "access_token_ttl", "600", "refresh_token_rotation", "on",
                "webhook_url", "https://form.example/hook", "webhook_events", "installation.created",
                "other_events", "invoice.paid"));

        assertThat(created.status()).as(created.body()).isEqualTo(303);
        assertThat(created.location()).matches("/apps/[A-Za-z0-9_]+/secret");
        Http.Response shown = session.get(created.location());
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.header("Cache-Control")).isEqualTo("no-store");
        Document page = Jsoup.parse(shown.body());
        String clientId = page.selectFirst("#client-id").text();
        String secret = page.selectFirst("#client-secret").text();
        assertThat(page.selectFirst("#webhook-secret").text()).startsWith("whsec_");
        JsonNode app = session.get("/api/v1/oauth/clients/" + clientId).json();
        assertThat(app.get("redirect_uris")).hasSize(2);
        assertThat(app.get("access_token_format").asText()).isEqualTo("jwt");
        assertThat(app.get("access_token_ttl").asInt()).isEqualTo(600);
        assertThat(app.get("webhook_events").toString()).contains("installation.created", "invoice.paid");
        String appPage = session.get("/apps/" + clientId).body();
        assertThat(appPage).doesNotContain(secret);
        Http.Response again = session.get(created.location());
        assertThat(again.body()).doesNotContain(secret).contains("was already shown");
        assertThat(Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", Http.basic(clientId, secret)).status()).isEqualTo(400);
    }

    @Test
    void refusedAppFormKeepsWhatWasTypedAndShowsTheErrorNextToTheField() {
        Http session = Fixtures.newUser().login();
        String org = Fixtures.org(session);

        Http.Response refused = session.postForm("/apps", Http.form("csrf_token", Fixtures.consoleCsrf(session), "name", "Typed Name",
                "redirect_uris", "ftp://nope", "owner_org_id", org, "grant_types", "authorization_code",
                "actor_modes", "self", "access_token_ttl", "3600"));

        assertThat(refused.status()).isEqualTo(400);
        Document page = Jsoup.parse(refused.body());
        assertThat(page.selectFirst("#name").attr("value")).isEqualTo("Typed Name");
        assertThat(page.selectFirst("#redirect_uris-error")).isNotNull();
        assertThat(page.selectFirst("#redirect_uris").attr("aria-invalid")).isEqualTo("true");
    }

    @Test
    void eventTypesTypedIntoTheFormFollowTheSameRulesAsTheApis() {
        Http session = Fixtures.newUser().login();
        String org = Fixtures.org(session);
        String base = Http.form("csrf_token", Fixtures.consoleCsrf(session), "name", "Events", "owner_org_id", org,
                "redirect_uris", Fixtures.REDIRECT_URI, "grant_types", "authorization_code", "actor_modes", "self",
                "access_token_ttl", "3600", "refresh_token_rotation", "on", "webhook_url", "https://form.example/hook");

        Http.Response odd = session.postForm("/apps", base + "&other_events=" + "Not%20An%20Event");
        assertThat(odd.status()).isEqualTo(400);
        assertThat(Jsoup.parse(odd.body()).selectFirst("#webhook_events-error").text()).startsWith("webhook_events:");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            many.append("thing.e").append(i).append(' ');
        }
        assertThat(session.postForm("/apps", base + "&other_events=" + many.toString().replace(' ', '+')).status())
                .isEqualTo(400);
    }

    @Test
    void editRotateAndDeleteGoThroughTheClientsRules() {
        Fixtures.User dev = Fixtures.newUser();
        Http session = dev.login();
        String org = Fixtures.org(session);
        Fixtures.App app = Fixtures.app(session, org, Map.of());
        String csrf = Fixtures.consoleCsrf(session);

        Http.Response saved = session.postForm("/apps/" + app.clientId(), Http.form("csrf_token", csrf, "name", "Renamed",
                "redirect_uris", Fixtures.REDIRECT_URI, "grant_types", "authorization_code", "actor_modes", "self",
                "access_token_ttl", "900", "refresh_token_rotation", "on"));
        assertThat(saved.status()).as(saved.body()).isEqualTo(303);
        assertThat(saved.location()).isEqualTo("/apps/" + app.clientId() + "?done=app-updated");
        assertThat(session.get("/api/v1/oauth/clients/" + app.clientId()).text("name")).isEqualTo("Renamed");

        Http.Response rotated = session.postForm("/apps/" + app.clientId() + "/secret", Http.form("csrf_token", csrf,
                "grace_seconds", "0"));
        assertThat(rotated.status()).isEqualTo(303);
        Http teammate = Fixtures.newUser().login();
        String secret = Jsoup.parse(session.get(rotated.location()).body()).selectFirst("#client-secret").text();
        assertThat(secret).isNotEqualTo(app.secret());
        assertThat(Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", "x",
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", "x".repeat(43)),
                "Authorization", Http.basic(app.clientId(), secret)).json().get("error").asText()).isEqualTo("invalid_grant");
        assertThat(teammate.get(rotated.location()).status()).isEqualTo(404);
        assertThat(session.postForm("/apps/" + app.clientId() + "/secret", Http.form("csrf_token", csrf,
                "grace_seconds", "99999999")).status()).isEqualTo(400);

        assertThat(session.postForm("/apps/" + app.clientId() + "/delete", Http.form("csrf_token", csrf)).location())
                .isEqualTo("/apps?done=app-deleted");
        assertThat(session.get("/api/v1/oauth/clients/" + app.clientId()).status()).isEqualTo(404);
    }

    @Test
    void membersAreAddedGivenARoleAndRemovedFromTheOrganizationPage() {
        Fixtures.User owner = Fixtures.newUser();
        Http session = owner.login();
        String org = Fixtures.org(session);
        Fixtures.User member = Fixtures.newUser();
        String csrf = Fixtures.consoleCsrf(session);

        assertThat(session.postForm("/orgs/" + org + "/members", Http.form("csrf_token", csrf, "username",
                member.username(), "role", "member")).status()).isEqualTo(303);
        Http.Response unknown = session.postForm("/orgs/" + org + "/members", Http.form("csrf_token", csrf,
                "username", "nobody-here@example.test", "role", "member"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(Jsoup.parse(unknown.body()).selectFirst("#username-error").text()).contains("No account");
        assertThat(session.postForm("/orgs/" + org + "/members/" + member.id() + "/role", Http.form("csrf_token", csrf,
                "role", "admin")).status()).isEqualTo(303);
        assertThat(session.get("/api/v1/orgs/" + org + "/members").body()).contains("\"role\":\"admin\"");
        assertThat(session.postForm("/orgs/" + org + "/members/" + member.id() + "/remove", Http.form("csrf_token", csrf))
                .status()).isEqualTo(303);
        assertThat(session.get("/api/v1/orgs/" + org + "/members").json().get("data")).hasSize(1);
    }

    @Test
    void accountFormsChangeTheProfileAndThePasswordAndSignOutElsewhere() {
        Fixtures.User user = Fixtures.newUser();
        Http session = user.login();
        Http elsewhere = user.login();
        String csrf = Fixtures.consoleCsrf(session);

        assertThat(session.postForm("/account/profile", Http.form("csrf_token", csrf, "name", "New Name")).location())
                .isEqualTo("/account?done=profile-saved");
        Http.Response wrong = session.postForm("/account/password", Http.form("csrf_token", csrf,
                "current_password", "nope", "new_password", "another long passphrase"));
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(Jsoup.parse(wrong.body()).selectFirst("#current_password-error")).isNotNull();
        assertThat(session.postForm("/account/password", Http.form("csrf_token", csrf, "current_password",
                user.password(), "new_password", "another long passphrase")).location())
                .isEqualTo("/account?done=password-changed");
        assertThat(session.get("/api/v1/users/me").text("name")).isEqualTo("New Name");
        assertThat(elsewhere.get("/api/v1/users/me").status()).isEqualTo(401);

        assertThat(session.postForm("/logout", Http.form("csrf_token", csrf)).location()).isEqualTo("/");
        assertThat(session.get("/api/v1/users/me").status()).isEqualTo(401);
    }

    @Test
    void adminRefusesAPendingScopeAndDownloadsTheAuditLog() {
        Http owner = Fixtures.newUser().login();
        String org = Fixtures.org(owner);
        String restricted = Fixtures.scope("refuse", true);
        Fixtures.App app = Fixtures.app(owner, org, Map.of("scope", restricted));
        Http admin = Fixtures.admin();
        String csrf = Fixtures.consoleCsrf(admin);

        Http.Response refused = admin.postForm("/admin/approvals/" + app.clientId(), Http.form("csrf_token", csrf,
                "kind", "scope", "name", restricted, "decision", "refuse"));
        assertThat(refused.location()).isEqualTo("/admin?done=refused");
        assertThat(owner.get("/api/v1/oauth/clients/" + app.clientId()).text("scope")).isEmpty();

        Http.Response csv = admin.get("/admin/audit.csv?client_id=" + app.clientId());
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.header("Content-Type")).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition")).startsWith("attachment");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("id,at,action,actor_type,actor_id,client_id,organization_id,ip,user_agent,"
                + "outcome,details");
        assertThat(lines).anyMatch(line -> line.contains(",client.scopes_refused,"));
        Http.Response jsonLines = admin.get("/admin/audit.jsonl?client_id=" + app.clientId() + "&action=client.scopes_refused");
        assertThat(jsonLines.body().lines().toList()).hasSize(1)
                .allMatch(line -> line.contains("\"action\":\"client.scopes_refused\""));
    }

    @Test
    void signUpFormCreatesTheAccountAndExplainsARefusalAtTheField() {
        Http browser = Http.browser();
        String csrf = Jsoup.parse(browser.get("/signup").body()).selectFirst("input[name=csrf_token]").attr("value");
        String email = Fixtures.unique("signup") + "@example.test";

        Http.Response created = browser.postForm("/signup", Http.form("csrf_token", csrf, "username", email,
                "name", "Sam", "password", "a long enough password"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(Jsoup.parse(created.body()).selectFirst("h1").text()).isEqualTo("Check your email");

        Http.Response weak = browser.postForm("/signup", Http.form("csrf_token", csrf, "username", "x" + email,
                "name", "Sam", "password", "short"));
        assertThat(weak.status()).isEqualTo(400);
        assertThat(Jsoup.parse(weak.body()).selectFirst("#password-error")).isNotNull();
        assertThat(browser.postForm("/signup", Http.form("username", "y" + email, "password", "a long enough password"))
                .status()).isEqualTo(403);
        assertThat(Fixtures.admin().get("/api/v1/users?q=y" + email).json().get("data")).isEmpty();
    }
}
