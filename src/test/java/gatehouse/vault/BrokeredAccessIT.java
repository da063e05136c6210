package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Brokered vault access end to end (docs/vault-proxy.md, "Brokered access"): an installed
 * third-party app reaches an organization's GitHub connection through the proxy with its own
 * Gatehouse token — only the methods and paths a platform admin approved and the organization's
 * admin granted on the consent page — and never sees a provider token.
 */
class BrokeredAccessIT {
    private static final Map<String, Object> ISSUES = Map.of("platform", "github", "methods", List.of("GET"),
            "paths", List.of("/repos/{owner}/{repo}/issues"));
    private static final AtomicLong IDS = new AtomicLong(91_000);
    private static FakeGitHub github;
    private static TestServer server;
    private static Http admin;

    @BeforeAll
    static void start() {
        github = FakeGitHub.start();
        Map<String, String> env = new HashMap<>(github.gatehouseSettings());
        env.put("GATEHOUSE_DATABASE_URL", TestDatabase.another());
        server = TestServer.start(env);
        github.registerCallback(server.issuer() + "/oauth/callback/github");
        github.registerSetupUrl(server.issuer() + "/oauth/callback/github");
        admin = server.adminSession();
    }

    @AfterAll
    static void stop() {
        server.close();
        github.close();
    }

    @Test
    void anInstalledAppCallsOnlyWhatWasApprovedAndNeverSeesTheProviderToken() {
        String customer = connectedOrganization();
        App app = adminRegisteredApp();
        String token = appToken(app, customer, true);
        int calls = github.repositoryCalls();

        Http.Response issues = proxy(token, "GET", "/proxy/github/repos/acme/api/issues?state=open");
        assertThat(issues.status()).as(issues.body()).isEqualTo(200);
        assertThat(issues.json().get(0).get("title").asText()).isEqualTo("First issue");
        assertThat(issues.body() + issues.headers().map()).doesNotContain("ghs_").doesNotContain("ghu_");
        assertThat(github.repositoryCalls()).isEqualTo(calls + 1);

        assertThat(proxy(token, "POST", "/proxy/github/repos/acme/api/issues").status()).as("another method").isEqualTo(403);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/pulls").status()).as("another path").isEqualTo(403);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/issues").status()).as("another shape").isEqualTo(403);
        assertThat(proxy(token, "GET", "/proxy/slack/repos/acme/api/issues").status()).as("another platform").isEqualTo(403);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/issues?_HttpMethod=DELETE").status())
                .as("a method override").isEqualTo(403);
        String elsewhere = connectedOrganization();
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/issues?organization_id=" + elsewhere).status())
                .as("another organization").isEqualTo(403);
        assertThat(github.repositoryCalls()).as("nothing refused reached GitHub").isEqualTo(calls + 1);

        Http.Response lookup = Http.anonymous(server.baseUrl()).get("/oauth/token/github?organization_id=" + customer,
                "Authorization", "Bearer " + token);
        assertThat(lookup.status()).as("no route hands the app a provider token").isEqualTo(403);
        assertThat(lookup.body()).doesNotContain("ghs_");

        JsonNode audit = admin.get("/api/v1/audit-logs?action=connection.proxied&organization_id=" + customer).json().get("data");
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0).get("details").get("path").asText()).isEqualTo("/repos/{owner}/{repo}/issues");
        assertThat(audit.get(0).toString()).as("the caller's client_id").contains(app.clientId());
    }

    @Test
    void untickingTheBoxInstallsTheAppWithoutVaultAccess() {
        String customer = connectedOrganization();
        App app = adminRegisteredApp();
        String token = appToken(app, customer, false);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(403);
        JsonNode installation = admin.get("/api/v1/orgs/" + customer + "/installations").json().get("data").get(0);
        assertThat(installation.get("vault_access")).isEmpty();
    }

    @Test
    void disconnectingTheAppOrTheConnectionEndsAccessAtOnce() {
        String customer = connectedOrganization();
        App app = adminRegisteredApp();
        String token = appToken(app, customer, true);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(200);
        String connection = admin.get("/api/v1/connections?organization_id=" + customer).json().get("data").get(0)
                .get("id").asText();
        assertThat(admin.delete("/api/v1/connections/" + connection).status()).isEqualTo(204);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(404);

        String other = connectedOrganization();
        String second = appToken(app, other, true);
        assertThat(proxy(second, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(200);
        String installation = admin.get("/api/v1/orgs/" + other + "/installations").json().get("data").get(0).get("id").asText();
        assertThat(admin.delete("/api/v1/orgs/" + other + "/installations/" + installation).status()).isEqualTo(204);
        assertThat(proxy(second, "GET", "/proxy/github/repos/acme/api/issues").status()).isIn(401, 403);
    }

    @Test
    void vaultAccessWaitsForAPlatformAdminAndOnlyOneMayApproveIt() {
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Vendor"))).text("id");
        Person developer = member(owner, "admin");
        Http.Response registered = developer.session().postJson("/api/v1/oauth/clients", appBody(owner));
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        assertThat(registered.json().get("approved_vault_access")).isEmpty();
        assertThat(registered.json().get("pending_vault_access")).hasSize(1);
        String clientId = registered.text("client_id");
        App app = new App(clientId, registered.text("client_secret"));

        // Installed before approval: the consent page offers no vault access, and none works.
        String customer = connectedOrganization();
        String early = appToken(app, customer, true);
        assertThat(proxy(early, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(403);

        Map<String, Object> approval = Map.of("vault_access", List.of(ISSUES));
        assertThat(developer.session().postJson("/api/v1/oauth/clients/" + clientId + "/approvals", approval).status())
                .as("the app's own organization admin").isEqualTo(403);
        assertThat(member(owner, "member").session().postJson("/api/v1/oauth/clients/" + clientId + "/approvals", approval)
                .status()).as("a plain member of the app's organization").isEqualTo(403);
        assertThat(Http.anonymous(server.baseUrl()).send("POST", "/api/v1/oauth/clients/" + clientId + "/approvals",
                "application/json", "{\"vault_access\":[]}", "Authorization", "Bearer " + early).status())
                .as("the app's own token").isIn(401, 403);
        Person stranger = member(admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Other"))).text("id"), "owner");
        assertThat(stranger.session().postJson("/api/v1/oauth/clients/" + clientId + "/approvals", approval).status())
                .as("another organization").isIn(403, 404);
        Map<String, Object> wider = Map.of("vault_access", List.of(Map.of("platform", "github", "methods", List.of("GET", "POST"),
                "paths", List.of("/repos/{owner}/{repo}/issues"))));
        assertThat(admin.postJson("/api/v1/oauth/clients/" + clientId + "/approvals", wider).status())
                .as("only what the app asked for").isEqualTo(400);
        Http.Response approved = admin.postJson("/api/v1/oauth/clients/" + clientId + "/approvals", approval);
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(approved.json().get("approved_vault_access")).hasSize(1);

        // The organization's admin grants it when installing (again): now it works.
        String granted = appToken(app, customer, true);
        assertThat(proxy(granted, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(200);
    }

    @Test
    void platformAdminsDecideOnVaultAccessInTheConsoleAndByTheRefusalsRoute() {
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Vendor"))).text("id");
        Person developer = member(owner, "admin");
        String approvedInConsole = developer.session().postJson("/api/v1/oauth/clients", appBody(owner)).text("client_id");
        String refusedByApi = developer.session().postJson("/api/v1/oauth/clients", appBody(owner)).text("client_id");

        Http.Response page = admin.get("/admin?limit=100");
        assertThat(page.status()).isEqualTo(200);
        Element form = Jsoup.parse(page.body()).select("form[action=/admin/approvals/" + approvedInConsole + "]").stream()
                .filter(f -> "vault_access".equals(f.selectFirst("input[name=kind]").attr("value"))).findFirst().orElseThrow();
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.addAll(List.of(input.attr("name"), input.attr("value")));
        }
        fields.addAll(List.of("decision", "approve"));
        Http.Response decided = admin.postForm(form.attr("action"), Http.form(fields.toArray(String[]::new)));
        assertThat(decided.status()).as(decided.body()).isIn(302, 303);
        assertThat(admin.get("/api/v1/oauth/clients/" + approvedInConsole).json().get("approved_vault_access")).hasSize(1);

        Map<String, Object> refusal = Map.of("vault_access", List.of(ISSUES));
        assertThat(developer.session().postJson("/api/v1/oauth/clients/" + refusedByApi + "/refusals", refusal).status())
                .as("not the app's own organization").isEqualTo(403);
        Http.Response refused = admin.postJson("/api/v1/oauth/clients/" + refusedByApi + "/refusals", refusal);
        assertThat(refused.status()).as(refused.body()).isEqualTo(200);
        assertThat(refused.json().get("vault_access")).isEmpty();
        assertThat(refused.json().get("pending_vault_access")).isEmpty();
    }

    @Test
    void aMembersSelfTokenReachesTheProxyOnlyThroughTheInstallationsAccess() {
        String customer = connectedOrganization();
        App app = adminRegisteredApp();
        appToken(app, customer, true);
        Person member = member(customer, "member");
        String self = userToken(app, member, customer);
        assertThat(proxy(self, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(200);
        assertThat(proxy(self, "POST", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(403);

        String bare = connectedOrganization();
        Person outsider = member(bare, "member");
        String notInstalled = userToken(app, outsider, bare);
        assertThat(proxy(notInstalled, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(403);
    }

    @Test
    void aPlainMemberCannotTakeOverAnAppHoldingApprovedVaultAccess() {
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Vendor"))).text("id");
        Http.Response created = admin.postJson("/api/v1/oauth/clients", appBody(owner));
        Person member = member(owner, "member");
        String clientId = created.text("client_id");
        assertThat(member.session().postJson("/api/v1/oauth/clients/" + clientId + "/secret", Map.of()).status())
                .as("rotating the secret").isEqualTo(403);
        assertThat(member.session().putJson("/api/v1/oauth/clients/" + clientId, Map.of("name", "Mine now")).status())
                .as("editing it").isEqualTo(403);
    }

    @Test
    void theConsentGrantsOnlyTheRulesThePageShowed() {
        String customer = connectedOrganization();
        App app = adminRegisteredApp();
        Http.Response page = admin.get("/oauth/authorize?" + Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "state", "st", "actor", "app", "prompt", "consent",
                "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method", "S256"));
        // Between the page and the click, the app asks for pulls too, and an admin approves it.
        Map<String, Object> pulls = Map.of("platform", "github", "methods", List.of("GET"), "paths",
                List.of("/repos/{owner}/{repo}/pulls"));
        assertThat(admin.putJson("/api/v1/oauth/clients/" + app.clientId(), Map.of("vault_access", List.of(ISSUES, pulls)))
                .status()).isEqualTo(200);
        assertThat(admin.postJson("/api/v1/oauth/clients/" + app.clientId() + "/approvals",
                Map.of("vault_access", List.of(pulls))).status()).isEqualTo(200);
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=/oauth/authorize]");
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.addAll(List.of(input.attr("name"), input.attr("value")));
        }
        fields.addAll(List.of("vault_access", "yes", "organization_id", customer, "confirm", "yes"));
        Http.Response decided = admin.postForm("/oauth/authorize", Http.form(fields.toArray(String[]::new)));
        String token = exchange(app, Http.queryOf(decided.location()).get("code"));
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/issues").status()).isEqualTo(200);
        assertThat(proxy(token, "GET", "/proxy/github/repos/acme/api/pulls").status()).as("never shown").isEqualTo(403);
    }

    @Test
    void vaultAccessRulesAreCheckedWhenAnAppRegisters() {
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Vendor"))).text("id");
        for (Object bad : List.of("github", List.of(Map.of("platform", "github", "methods", List.of("FETCH"), "paths",
                List.of("/x"))), List.of(Map.of("platform", "github", "methods", List.of("GET"), "paths", List.of("/a/../b"))),
                List.of(Map.of("platform", "github", "methods", List.of("GET"), "paths", List.of("/a?b=c"))),
                List.of(Map.of("platform", "github", "methods", List.of("GET"))))) {
            Map<String, Object> body = new HashMap<>(appBody(owner));
            body.put("vault_access", bad);
            Http.Response refused = admin.postJson("/api/v1/oauth/clients", body);
            assertThat(refused.status()).as(String.valueOf(bad)).isEqualTo(400);
            assertThat(refused.text("error")).isEqualTo("validation_failed");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private record App(String clientId, String secret) {
    }

    private record Person(String username, String password, Http session) {
    }

    private static Map<String, Object> appBody(String owner) {
        Map<String, Object> body = new HashMap<>(Fixtures.appBody(owner, Map.of("actor_modes", List.of("app", "self"))));
        body.put("vault_access", List.of(ISSUES));
        return body;
    }

    private static App adminRegisteredApp() {
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Vendor"))).text("id");
        Http.Response created = admin.postJson("/api/v1/oauth/clients", appBody(owner));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("approved_vault_access")).as("an admin's app is approved at creation").hasSize(1);
        return new App(created.text("client_id"), created.text("client_secret"));
    }

    /** An organization with a GitHub App installation connected. */
    private static String connectedOrganization() {
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Customer"))).text("id");
        long account = IDS.incrementAndGet();
        github.installOn(account, "acme-" + account, "Organization");
        Http.Response started = ConnectPage.start(admin, "github", "organization_id=" + org);
        Http.Response back = Http.anonymous().get(started.location());
        assertThat(admin.get(back.location()).status()).isEqualTo(200);
        return org;
    }

    /** The admin installs the app in {@code org} on the consent page (vault access ticked or not); its app token there. */
    private static String appToken(App app, String org, boolean grantVaultAccess) {
        String code = consent(admin, app, org, "app", grantVaultAccess);
        return exchange(app, code);
    }

    private static String userToken(App app, Person person, String org) {
        return exchange(app, consent(person.session(), app, org, "self", false));
    }

    private static String consent(Http session, App app, String org, String actor, boolean grantVaultAccess) {
        Http.Response page = session.get("/oauth/authorize?" + Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "state", "st", "actor", actor, "prompt", "consent",
                "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method", "S256"));
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        Document document = Jsoup.parse(page.body());
        Element form = document.selectFirst("form[action=/oauth/authorize]");
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        Element box = form.selectFirst("input[name=vault_access]");
        if (box != null) {
            assertThat(box.hasAttr("checked")).as("ticked by default").isTrue();
            assertThat(form.text()).contains("read /repos/{owner}/{repo}/issues (GET) in this organization's GitHub");
            if (grantVaultAccess) {
                fields.addAll(List.of("vault_access", "yes"));
            }
        }
        if (form.selectFirst("select[name=organization_id]") != null) {
            fields.addAll(List.of("organization_id", org));
        }
        fields.addAll(List.of("confirm", "yes"));
        Http.Response decided = session.postForm("/oauth/authorize", Http.form(fields.toArray(String[]::new)));
        assertThat(decided.status()).as(decided.body()).isEqualTo(302);
        String code = Http.queryOf(decided.location()).get("code");
        assertThat(code).as(decided.location()).isNotNull();
        return code;
    }

    private static String exchange(App app, String code) {
        Http.Response token = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type",
                        "authorization_code", "code", code, "redirect_uri", Fixtures.REDIRECT_URI,
                        "code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                "Authorization", Http.basic(app.clientId(), app.secret()));
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    private static Http.Response proxy(String token, String method, String path) {
        return Http.anonymous(server.baseUrl()).send(method, path, method.equals("POST") ? "application/json" : null,
                method.equals("POST") ? "{\"title\":\"t\"}" : null, "Authorization", "Bearer " + token);
    }

    private static Person member(String org, String role) {
        String username = Fixtures.unique("person") + "@example.test";
        String password = "pw-" + Fixtures.unique("secret");
        assertThat(Http.anonymous(server.baseUrl()).postJson("/api/v1/users", Map.of("username", username, "password",
                password, "name", "Person")).status()).isEqualTo(201);
        assertThat(admin.postJson("/api/v1/orgs/" + org + "/members", Map.of("username", username, "role", role)).status())
                .isEqualTo(201);
        return new Person(username, password, session(username, password));
    }

    private static Http session(String username, String password) {
        Http session = Http.browser(server.baseUrl());
        var login = session.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        return session.csrf(login.text("csrf_token"));
    }
}
