package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import gatehouse.testing.Chromium;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import gatehouse.vault.FakeAtlassian;
import gatehouse.vault.FakeDefinedProvider;
import gatehouse.vault.FakeGitHub;
import gatehouse.vault.FakeSlack;
import gatehouse.vault.ProviderDefinitions;
import jakarta.mail.internet.MimeMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console as people use it, in Debian's Chromium: each journey of the console's issue from the
 * first click to the effect on tokens, with every page it passes checked by axe-core and
 * photographed at 1280 and 375 pixels. This Gatehouse sends mail to GreenMail and connects to fake
 * Slack and Jira that speak their providers' protocols.
 */
class ConsoleJourneysIT {
    private static final java.util.concurrent.atomic.AtomicLong ACCOUNTS = new java.util.concurrent.atomic.AtomicLong(9_000);
    private static final Pattern VERIFY_LINK = Pattern.compile("https?://[^/\\s]+(/verify-email\\?token=\\S+)");
    private static final Pattern RESET_LINK = Pattern.compile("https?://[^/\\s]+(/reset-password\\?token=\\S+)");

    private static GreenMail smtp;
    private static FakeSlack slack;
    private static FakeAtlassian jira;
    private static FakeGitHub github;
    private static FakeDefinedProvider zendesk;
    private static TestServer server;
    private static Http admin;

    private Chromium browser;

    @BeforeAll
    static void start() {
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        slack = new FakeSlack();
        jira = new FakeAtlassian(Clock.systemUTC());
        github = FakeGitHub.start();
        zendesk = new FakeDefinedProvider(ProviderDefinitions.load(null, false, Duration.ofDays(1)).get("zendesk"));
        Map<String, String> env = new HashMap<>(slack.settings());
        env.putAll(zendesk.gatehouseSettings());
        env.putAll(jira.gatehouseSettings());
        env.putAll(github.gatehouseSettings());
        env.put("GATEHOUSE_DATABASE_URL", TestDatabase.another());
        env.put("GATEHOUSE_SMTP_HOST", "127.0.0.1");
        env.put("GATEHOUSE_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
        env.put("GATEHOUSE_SMTP_FROM", "Gatehouse <no-reply@gatehouse.test>");
        env.put("GATEHOUSE_SMTP_STARTTLS", "false");
        server = TestServer.start(env);
        github.registerCallback(server.issuer() + "/oauth/callback/github");
        github.registerSetupUrl(server.issuer() + "/oauth/callback/github");
        admin = login(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
        slack.close();
        jira.close();
        github.close();
        zendesk.close();
        smtp.stop();
    }

    @BeforeEach
    void open() {
        browser = Chromium.open(server.baseUrl());
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void developerSignsUpVerifiesCreatesAnAppThatAnotherOrganizationInstallsAndThenDisconnects() {
        browser.go("/");
        browser.checkPage("welcome");
        browser.press("Create account");
        String email = Fixtures.unique("dev") + "@example.test";
        browser.fill("Email", email);
        browser.fill("Name", "Dana Developer");
        browser.fill("Password", "a long enough password");
        browser.checkPage("signup");
        browser.press("Create account");
        assertThat(browser.h1()).isEqualTo("Check your email");
        browser.checkPage("signup-done");

        browser.go(emailedLink(email, VERIFY_LINK));
        browser.checkPage("verify-email");
        browser.press("Verify email address");
        assertThat(browser.h1()).isEqualTo("Email address verified");
        browser.checkPage("email-verified");

        browser.go("/login?return_to=%2F");
        browser.checkPage("login");
        browser.signIn(email, "a long enough password");
        browser.checkPage("dashboard");

        browser.go("/orgs");
        browser.checkPage("orgs");
        browser.fill("Organization name", "Acme Developers");
        browser.press("Create organization");
        assertThat(browser.h1()).isEqualTo("Acme Developers");
        browser.checkPage("org");

        String scope = scope(false);
        browser.go("/apps");
        browser.checkPage("apps-empty");
        browser.press("New app");
        browser.fill("Application name", "Acme Reports");
        browser.fill("Homepage URL", "https://acme.example");
        browser.fill("Authorization callback URLs", server.issuer() + "/health");
        browser.tick(scope, true);
        browser.tick("app — acts as the app inside an organization that installed it", true);
        browser.checkPage("app-new");
        browser.press("Create app");
        assertThat(browser.h1()).isEqualTo("Acme Reports is created");
        String clientId = browser.find("#client-id").getText();
        String secret = browser.find("#client-secret").getText();
        assertThat(secret).matches("[a-z]+sec_[A-Za-z0-9]{40,}");
        assertThat(browser.find("button[data-copy=client-secret]").isDisplayed()).as("copy button shown by console.js").isTrue();
        browser.checkPage("app-secret");
        browser.press("I saved it — go to the app");
        assertThat(browser.driver().getPageSource()).doesNotContain(secret);
        browser.checkPage("app");
        browser.go("/apps/" + clientId + "/secret");
        assertThat(browser.h1()).contains("was already shown");
        assertThat(browser.driver().getPageSource()).doesNotContain(secret);
        browser.checkPage("app-secret-gone");
        browser.go("/apps");
        browser.checkPage("apps");

        // The admin of another organization installs it through the consent page.
        var beta = newUser();
        try (Chromium other = Chromium.open(server.baseUrl())) {
            other.signIn(beta.username(), beta.password());
            other.go("/orgs");
            other.fill("Organization name", "Beta Corp");
            other.press("Create organization");
            String betaOrg = other.path().replaceAll("^/orgs/([0-9a-f-]{36}).*", "$1");
            var pkce = Fixtures.pkce();
            other.go("/oauth/authorize?" + Http.form("response_type", "code", "client_id", clientId,
                    "redirect_uri", server.issuer() + "/health", "scope", scope, "state", "xyz", "actor", "app",
                    "organization_id", betaOrg, "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
            other.checkPage("consent");
            other.press("Approve");
            browser.go("/apps/" + clientId);
            assertThat(browser.find("#installs-h ~ .table-wrap").getText()).contains("Beta Corp", scope);
            String code = Http.queryOf(other.driver().getCurrentUrl()).get("code");
            assertThat(code).isNotNull();
            JsonNode tokens = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type",
                    "authorization_code", "code", code, "redirect_uri", server.issuer() + "/health",
                    "code_verifier", pkce.verifier()), "Authorization", Http.basic(clientId, secret)).json();
            String access = tokens.get("access_token").asText();
            assertThat(active(clientId, secret, access)).isTrue();

            other.go("/orgs/" + betaOrg);
            assertThat(other.find("#installed").getText()).contains("Acme Reports", "Acme Developers", beta.username());
            other.checkPage("org-installed");
            other.press("Disconnect…");
            assertThat(other.find(".warning").getText()).contains("stops working");
            other.checkPage("confirm-disconnect");
            other.press("Disconnect app");
            assertThat(other.find(".notice").getText()).contains("disconnected");
            assertThat(other.find("#installed").getText()).contains("No apps installed");
            assertThat(active(clientId, secret, access)).isFalse();
        }
        browser.go("/apps/" + clientId);
        assertThat(browser.find("#installs-h + .empty").getText()).contains("No organization installed this app");
    }

    @Test
    void organizationAdminConnectsGitHubSlackAndJiraThenDisconnectsThem() {
        String site = Fixtures.unique("acme");
        jira.sites(FakeAtlassian.Site.named(site));
        var person = newUser();
        browser.signIn(person.username(), person.password());
        browser.go("/orgs");
        browser.fill("Organization name", "Connected Co");
        browser.press("Create organization");
        String orgPath = browser.path().replaceAll("\\?.*", "");

        browser.press("Connect Slack");
        assertThat(browser.path()).startsWith(orgPath + "?done=connected");
        assertThat(browser.find("#connections").getText()).contains("active");
        browser.press("Reconnect");
        assertThat(browser.path()).startsWith(orgPath + "?done=connected");
        assertThat(browser.all("a[href*='/connections/']")).hasSize(1);
        String orgId = orgPath.substring("/orgs/".length());
        server.app().database().withHandle(handle -> handle.createUpdate(
                "UPDATE connections SET status = 'needs_reauth' WHERE organization_id = CAST(:org AS uuid)")
                .bind("org", orgId).execute());
        browser.go(orgPath);
        assertThat(browser.find("#connections").getText()).contains("needs re-authorization");
        browser.press("Connect Jira");
        long account = ACCOUNTS.incrementAndGet();
        github.installOn(account, "acme-gh-" + account, "Organization");
        browser.press("Connect GitHub (GitHub App)");
        github.signIn(account, "octo-" + account);
        browser.press("Connect another GitHub (OAuth App)");
        assertThat(browser.find("#connections").getText()).contains(site, "acme-gh-" + account, "octo-" + account);
        assertThat(browser.all("#connections .card").stream().map(card -> card.getText())
                .filter(card -> card.startsWith("GitHub") || card.startsWith("Jira") || card.startsWith("Slack")))
                .hasSize(3).noneMatch(card -> card.contains("Not connected"));
        browser.checkPage("org-connections");

        browser.follow(browser.find("a[href*='/connections/']"));
        browser.checkPage("confirm-connection");
        for (int left = 4; left > 0; left--) {
            if (left < 4) {
                browser.follow(browser.find("a[href*='/connections/']"));
            }
            browser.press(browser.find("button.danger").getText());
            assertThat(browser.find(".notice").getText()).contains("disconnected");
            assertThat(browser.all("a[href*='/connections/']")).hasSize(left - 1);
        }
    }

    @Test
    void organizationAdminConnectsZendeskByItsSubdomainAndGrantsAnAppVaultAccessOnTheConsentPage() {
        var person = newUser();
        browser.signIn(person.username(), person.password());
        browser.go("/orgs");
        browser.fill("Organization name", "Helpdesk Co");
        browser.press("Create organization");
        String orgPath = browser.path().replaceAll("\\?.*", "");
        String orgId = orgPath.substring("/orgs/".length());

        browser.follow(browser.find("a[href^='/oauth/install/zendesk']"));
        assertThat(browser.h1()).isEqualTo("Connect Zendesk");
        browser.checkPage("connect-zendesk");
        browser.fill("The Zendesk account's subdomain: acme for https://acme.zendesk.com.", FakeDefinedProvider.PARAM_VALUE);
        browser.press("Continue to Zendesk");
        assertThat(browser.path()).startsWith(orgPath + "?done=connected");
        assertThat(browser.find("#connections").getText()).contains("Zendesk", "active");

        // A platform admin's app asks to read tickets; the organization's admin grants it on the consent page.
        String vendor = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Vendor"))).text("id");
        JsonNode app = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(vendor, Map.of("actor_modes",
                List.of("app"), "redirect_uris", List.of(server.issuer() + "/health"), "vault_access",
                List.of(Map.of("platform", "zendesk", "methods", List.of("GET"), "paths", List.of("/tickets")))))).json();
        String clientId = app.get("client_id").asText();
        var pkce = Fixtures.pkce();
        browser.go("/oauth/authorize?" + Http.form("response_type", "code", "client_id", clientId,
                "redirect_uri", server.issuer() + "/health", "state", "xyz", "actor", "app", "organization_id", orgId,
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        assertThat(browser.find(".vault-access").getText()).contains("read /tickets (GET) in this organization's Zendesk");
        assertThat(browser.find("#vault_access").isSelected()).as("ticked by default").isTrue();
        browser.checkPage("consent-vault-access");
        browser.press("Approve");
        String code = Http.queryOf(browser.driver().getCurrentUrl()).get("code");
        String token = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type",
                "authorization_code", "code", code, "redirect_uri", server.issuer() + "/health",
                "code_verifier", pkce.verifier()), "Authorization", Http.basic(clientId, app.get("client_secret").asText()))
                .text("access_token");
        Http.Response tickets = Http.anonymous(server.baseUrl()).get("/proxy/zendesk/tickets", "Authorization", "Bearer " + token);
        assertThat(tickets.status()).as(tickets.body()).isEqualTo(200);
        assertThat(tickets.json().get("path").asText()).isEqualTo(zendesk.apiPath("/tickets"));
        assertThat(Http.anonymous(server.baseUrl()).get("/proxy/zendesk/users", "Authorization", "Bearer " + token).status())
                .isEqualTo(403);
    }

    @Test
    void personRevokesAnAuthorizedAppFromTheAccountPage() {
        var developer = newUser();
        Http dev = login(developer.username(), developer.password());
        String devOrg = dev.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Dev"))).text("id");
        String scope = scope(false);
        JsonNode app = dev.postJson("/api/v1/oauth/clients", Fixtures.appBody(devOrg, Map.of("scope", scope,
                "redirect_uris", List.of(server.issuer() + "/health")))).json();
        String clientId = app.get("client_id").asText();

        var person = newUser();
        browser.signIn(person.username(), person.password());
        var pkce = Fixtures.pkce();
        browser.go("/oauth/authorize?" + Http.form("response_type", "code", "client_id", clientId,
                "redirect_uri", server.issuer() + "/health", "scope", scope, "state", "s1",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        browser.press("Approve");
        String code = Http.queryOf(browser.driver().getCurrentUrl()).get("code");
        String access = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type",
                "authorization_code", "code", code, "redirect_uri", server.issuer() + "/health",
                "code_verifier", pkce.verifier()), "Authorization", Http.basic(clientId,
                app.get("client_secret").asText())).json().get("access_token").asText();

        browser.go("/account");
        assertThat(browser.find("#authorized").getText()).contains(app.get("name").asText());
        browser.checkPage("account");
        browser.press("Revoke");
        assertThat(browser.find(".notice").getText()).contains("revoked");
        assertThat(browser.find("#authorized").getText()).contains("You have not authorized any app");
        assertThat(active(clientId, app.get("client_secret").asText(), access)).isFalse();
    }

    @Test
    void personConnectsACommandLineToolByTypingItsCodeAtTheDevicePage() {
        var developer = newUser();
        Http dev = login(developer.username(), developer.password());
        String devOrg = dev.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Cli"))).text("id");
        String scope = scope(false);
        JsonNode app = dev.postJson("/api/v1/oauth/clients", Fixtures.appBody(devOrg, Map.of("scope", scope,
                "confidential", false, "redirect_uris", List.of(),
                "grant_types", List.of("urn:ietf:params:oauth:grant-type:device_code")))).json();
        String clientId = app.get("client_id").asText();
        Http device = Http.anonymous(server.baseUrl());
        JsonNode started = device.postForm("/oauth/device_authorization", Http.form("client_id", clientId,
                "scope", scope)).json();

        var person = newUser();
        browser.signIn(person.username(), person.password());
        browser.go("/device");
        assertThat(browser.h1()).isEqualTo("Connect a device");
        browser.checkPage("device");
        browser.fill("Code", "BBBB-BBBB");
        browser.press("Continue");
        assertThat(browser.find(".error").getText()).contains("not valid");
        browser.checkPage("device-refused");
        browser.fill("Code", started.get("user_code").asText().toLowerCase().replace("-", ""));
        browser.press("Continue");
        assertThat(browser.find(".user-code").getText()).isEqualTo(started.get("user_code").asText());
        browser.checkPage("device-consent");
        browser.press("Approve");
        assertThat(browser.h1()).isEqualTo("Device connected");
        browser.checkPage("device-connected");

        Http.Response tokens = device.postForm("/oauth/token", Http.form("grant_type",
                "urn:ietf:params:oauth:grant-type:device_code", "device_code", started.get("device_code").asText(),
                "client_id", clientId));
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        assertThat(tokens.text("scope")).isEqualTo(scope);
    }

    @Test
    void adminApprovesARestrictedScopeAndReadsTheAuditLogFilteredByApp() {
        var developer = newUser();
        Http dev = login(developer.username(), developer.password());
        String devOrg = dev.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Dev"))).text("id");
        String restricted = scope(true);
        JsonNode app = dev.postJson("/api/v1/oauth/clients", Fixtures.appBody(devOrg, Map.of("scope", restricted)))
                .json();
        String name = app.get("name").asText();
        String clientId = app.get("client_id").asText();

        browser.signIn(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
        assertThat(browser.all("nav[aria-label=Main] a").stream().map(a -> a.getText()).toList())
                .containsExactly("Dashboard", "Apps", "Organizations", "Account", "Admin");
        browser.press("Admin");
        assertThat(browser.h1()).isEqualTo("Approvals");
        browser.checkPage("admin-approvals");
        browser.follow(browser.find("button[aria-label='Approve " + restricted + " for " + name + "']"));
        assertThat(browser.find(".notice").getText()).startsWith("Approved");
        assertThat(dev.get("/api/v1/oauth/clients/" + clientId).json().get("pending_scopes").asText()).isEmpty();

        browser.go("/admin/audit");
        browser.fill("App (client ID)", clientId);
        browser.press("Apply filters");
        String entries = browser.find("table").getText();
        assertThat(entries).contains("client.scopes_approved", "client.created", name).doesNotContain("login.succeeded");
        browser.checkPage("admin-audit");
        for (String page : List.of("users", "scopes", "keys", "system")) {
            browser.go("/admin/" + page);
            browser.checkPage("admin-" + page);
        }
        browser.go("/orgs/" + java.util.UUID.randomUUID());
        assertThat(browser.h1()).isEqualTo("Not found");
        browser.checkPage("not-found");
    }

    @Test
    void everyOtherPageAndStateIsAccessibleToo() {
        var person = newUser();
        Http session = login(person.username(), person.password());
        String org = session.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Pages"))).text("id");
        String clientId = session.postJson("/api/v1/oauth/clients", Fixtures.appBody(org, Map.of())).text("client_id");

        browser.go("/login");
        browser.fill("Email", person.username());
        browser.fill("Password", "not the password");
        browser.press("Sign in");
        assertThat(browser.find(".error").getText()).contains("Invalid email or password");
        browser.checkPage("login-refused");
        browser.go("/reset-password");
        browser.checkPage("forgot-password");
        browser.fill("Email", person.username());
        browser.press("Send reset link");
        browser.checkPage("reset-requested");
        browser.go(emailedLink(person.username(), RESET_LINK));
        assertThat(browser.h1()).isEqualTo("Reset your password");
        browser.checkPage("reset-password");

        browser.signIn(person.username(), person.password());
        browser.go("/apps/new");
        browser.press("Create app");
        assertThat(browser.find("#name-error").getText()).startsWith("name is required");
        assertThat(browser.find("#name").getAttribute("aria-invalid")).isEqualTo("true");
        browser.checkPage("app-new-refused");
        browser.go("/apps/" + clientId + "/edit");
        browser.checkPage("app-edit");
        browser.go("/apps/" + clientId + "/delete");
        browser.checkPage("confirm-delete-app");
        browser.go("/orgs/" + org + "/audit");
        browser.checkPage("org-audit");
        browser.go("/admin");
        assertThat(browser.h1()).isEqualTo("Not allowed");
        browser.checkPage("forbidden");

        browser.go("/oauth/install/slack?organization_id=" + org);
        assertThat(browser.h1()).isEqualTo("Connect Slack");
        browser.checkPage("connect-confirm");

        try (Chromium operator = Chromium.open(server.baseUrl())) {
            operator.signIn(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
            operator.checkPage("dashboard-admin");
            operator.go("/admin/users/" + person.id() + "/delete");
            operator.checkPage("confirm-delete-user");
        }

        var member = newUser();
        assertThat(session.postJson("/api/v1/orgs/" + org + "/members", Map.of("username", member.username(),
                "role", "member")).status()).isEqualTo(201);
        try (Chromium plain = Chromium.open(server.baseUrl())) {
            plain.signIn(member.username(), member.password());
            plain.go("/orgs/" + org);
            assertThat(plain.all("#installed, #connections, form[action$='/members']")).isEmpty();
            plain.checkPage("org-as-member");
        }

        try (Chromium visitor = Chromium.open(server.baseUrl())) {
            visitor.go("/oauth/authorize?response_type=code&client_id=no-such-app");
            assertThat(visitor.h1()).isEqualTo("Something is not right");
            visitor.checkPage("oauth-error");
        }

        // An app signs the person out (OpenID Connect RP-initiated logout) without an ID token: asked first.
        browser.go("/oauth/logout?client_id=" + clientId);
        assertThat(browser.h1()).isEqualTo("Sign out of Gatehouse?");
        browser.checkPage("logout-confirm");
        browser.press("Sign out");
        assertThat(browser.h1()).isEqualTo("Signed out");
        browser.checkPage("signed-out");
        browser.go("/apps");
        assertThat(browser.path()).startsWith("/login");
    }

    @Test
    void keyboardAloneReachesTheSkipLinkFirstThenTheNavigation() {
        var person = newUser();
        browser.signIn(person.username(), person.password());
        assertThat(browser.tab()).isEqualTo("Skip to content");
        assertThat(browser.driver().switchTo().activeElement().getCssValue("outline-style")).isNotEqualTo("none");
        assertThat(List.of(browser.tab(), browser.tab(), browser.tab())).containsExactly("Gatehouse", "Dashboard", "Apps");
        browser.enter();
        assertThat(browser.path()).isEqualTo("/apps");
    }

    // ---- helpers ----

    private static Http login(String username, String password) {
        Http session = Http.browser(server.baseUrl());
        var response = session.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return session.csrf(response.text("csrf_token"));
    }

    private static Fixtures.User newUser() {
        String username = Fixtures.unique("person") + "@example.test";
        String password = "pw-" + Fixtures.unique("secret");
        var response = Http.anonymous(server.baseUrl()).postJson("/api/v1/users",
                Map.of("username", username, "password", password, "name", "Pat Person"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return new Fixtures.User(response.text("id"), username, password);
    }

    private static String scope(boolean restricted) {
        String name = Fixtures.unique("reports").replace('-', '.') + ":read";
        var response = admin.postJson("/api/v1/oauth/scopes", Map.of("name", name,
                "description", "Read reports", "restricted", restricted));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return name;
    }

    private static boolean active(String clientId, String secret, String token) {
        return Http.anonymous(server.baseUrl()).postForm("/oauth/introspect", Http.form("token", token),
                "Authorization", Http.basic(clientId, secret)).json().get("active").asBoolean();
    }

    /** The path of the link {@code pattern} finds in a mail to {@code email} (waiting up to 10 s for it). */
    private static String emailedLink(String email, Pattern pattern) {
        try {
            for (int i = 0; i < 100; i++) {
                for (MimeMessage message : smtp.getReceivedMessages()) {
                    if (message.getAllRecipients()[0].toString().equals(email)) {
                        Matcher link = pattern.matcher((String) message.getContent());
                        if (link.find()) {
                            return link.group(1);
                        }
                    }
                }
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no email with such a link for " + email);
    }
}
