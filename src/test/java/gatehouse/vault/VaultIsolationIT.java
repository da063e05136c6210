package gatehouse.vault;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.FakeProvider.AfterRefresh;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One tenant can never reach another's external accounts, and the vault's refreshes cannot be turned
 * against it: GitHub, Jira and Slack configured at once on one Gatehouse, each against its fake.
 */
class VaultIsolationIT {
    private static final AtomicLong GITHUB_IDS = new AtomicLong(70_000);
    private static FakeGitHub github;
    private static FakeSlack slack;
    private static FakeAtlassian atlassian;
    private static String database;
    private static TestServer server;
    private static Http admin;
    private static String serviceToken;

    private String org;

    @BeforeAll
    static void start() {
        github = FakeGitHub.start();
        slack = new FakeSlack();
        atlassian = new FakeAtlassian(Clock.systemUTC());
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>(slack.settings());
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.putAll(github.gatehouseSettings());
        env.putAll(atlassian.gatehouseSettings());
        server = TestServer.start(env);
        github.registerCallback(server.issuer() + "/oauth/callback/github");
        github.registerSetupUrl(server.issuer() + "/oauth/callback/github");
        admin = login(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
        String serviceOrg = admin.postJson("/api/v1/orgs", Map.of("name", "Internal")).text("id");
        var service = app(serviceOrg, "connections:read", List.of("client_credentials"));
        serviceToken = clientCredentials(service, null).text("access_token");
    }

    @AfterAll
    static void stop() {
        server.close();
        github.close();
        slack.close();
        atlassian.close();
    }

    @BeforeEach
    void freshOrganization() {
        github.heal();
        slack.afterRefresh(AfterRefresh.ANSWER);
        slack.refreshDelayMillis = 0;
        slack.teamId = "T" + Fixtures.unique("w").replace("-", "").toUpperCase();
        atlassian.recover();
        atlassian.failAfterRefresh(false);
        atlassian.leeway(Duration.ZERO);
        org = newOrg(admin);
    }

    // ---- GitHub App installations are bound to the person who installed them ----------------------

    @Test
    void aForgedInstallationIdOfAnotherCustomerIsRefusedAndNothingIsMinted() {
        long victimUser = GITHUB_IDS.incrementAndGet();
        long victimInstallation = github.addInstallation(GITHUB_IDS.incrementAndGet(), "victim-corp", "Organization", victimUser);
        long attacker = GITHUB_IDS.incrementAndGet();
        github.signIn(attacker, "mallory-" + attacker);
        github.installOn(attacker, "mallory-" + attacker, "User");
        int minted = github.installationTokensMinted();

        String callback = browserBackFromGitHub(ConnectPage.start(admin, "github", "organization_id=" + org));
        String forged = callback.replaceAll("installation_id=\\d+", "installation_id=" + victimInstallation);
        Http.Response refused = admin.get(forged);

        assertError(refused, 400, "invalid_request");
        assertThat(connections(org)).isEmpty();
        assertThat(github.installationTokensMinted()).isEqualTo(minted);
    }

    @Test
    void aSetupCallbackWithoutTheInstallingUsersAuthorizationIsRefused() {
        long user = GITHUB_IDS.incrementAndGet();
        github.signIn(user, "octo-" + user).installOn(user, "octo-" + user, "User").userAuthorizationOnInstall(false);
        int minted = github.installationTokensMinted();
        try {
            String callback = browserBackFromGitHub(ConnectPage.start(admin, "github", "organization_id=" + org));
            assertThat(callback).doesNotContain("code=");

            assertError(admin.get(callback), 400, "invalid_request");
            assertThat(connections(org)).isEmpty();
            assertThat(github.installationTokensMinted()).isEqualTo(minted);
        } finally {
            github.userAuthorizationOnInstall(true);
        }
    }

    // ---- an external account belongs to at most one organization ----------------------------------

    @Test
    void aWorkspaceLiveInOneOrganizationCannotBeConnectedToAnother() {
        assertThat(connectSlack(admin, org).status()).isEqualTo(200);
        String otherOrg = newOrg(admin);

        Http.Response refused = connectSlack(admin, otherOrg);

        assertError(refused, 409, "conflict");
        assertThat(refused.text("error_description")).contains("slack").contains("Acme").doesNotContain(org);
        assertThat(connections(otherOrg)).isEmpty();
        Http.Response byWorkspace = lookup("slack", "workspace_id=" + slack.teamId);
        assertThat(byWorkspace.text("organization_id")).isEqualTo(org);
    }

    @Test
    void anEnterpriseGridAndOneOfItsWorkspacesCannotLiveInTwoOrganizations() {
        slack.enterpriseId = "E" + Fixtures.unique("g").replace("-", "").toUpperCase();
        try {
            slack.enterpriseInstall = true;
            assertThat(connectSlack(admin, org).status()).isEqualTo(200);
            slack.enterpriseInstall = false;
            slack.workspaceInGrid = true;
            assertError(connectSlack(admin, newOrg(admin)), 409, "conflict");

            // The other way round: a workspace of a grid first, then the grid elsewhere.
            slack.enterpriseId = "E" + Fixtures.unique("g").replace("-", "").toUpperCase();
            slack.teamId = "T" + Fixtures.unique("w").replace("-", "").toUpperCase();
            assertThat(connectSlack(admin, newOrg(admin)).status()).isEqualTo(200);
            slack.workspaceInGrid = false;
            slack.enterpriseInstall = true;
            assertError(connectSlack(admin, newOrg(admin)), 409, "conflict");
        } finally {
            slack.enterpriseInstall = false;
            slack.workspaceInGrid = false;
        }
    }

    @Test
    void aGitHubInstallationLiveInOneOrganizationCannotBeConnectedToAnother() {
        long user = GITHUB_IDS.incrementAndGet();
        github.signIn(user, "octo-" + user).installOn(user, "octo-" + user, "User");
        assertThat(admin.get(browserBackFromGitHub(ConnectPage.start(admin, "github", "organization_id=" + org)))
                .status()).isEqualTo(200);
        String otherOrg = newOrg(admin);

        Http.Response refused = admin.get(browserBackFromGitHub(ConnectPage.start(admin, "github",
                "organization_id=" + otherOrg)));

        assertError(refused, 409, "conflict");
        assertThat(refused.text("error_description")).contains("octo-" + user);
    }

    @Test
    void reauthorizingReplacesTheCredentialAndRevokesTheOldTokenOnly() throws Exception {
        slack.rotation = false;
        try {
            assertThat(connectSlack(admin, org).status()).isEqualTo(200);
            String first = lookup("slack", "organization_id=" + org).text("access_token");

            assertThat(connectSlack(admin, org).status()).isEqualTo(200);

            String second = lookup("slack", "organization_id=" + org).text("access_token");
            assertThat(second).isNotEqualTo(first);
            assertThat(slack.revoked()).contains(first).doesNotContain(second);
            assertThat(connections(org)).hasSize(1);
            assertThat(orphanedCredentials()).isZero();
        } finally {
            slack.rotation = true;
        }
    }

    // ---- vault management needs management rights ---------------------------------------------------

    @Test
    void anOrganizationAdminsDelegatedTokenCannotManageConnections() {
        assertThat(connectSlack(admin, org).status()).isEqualTo(200);
        String connectionId = connections(org).get(0).get("id").asText();
        User orgAdmin = memberOf(org, "admin");
        String delegated = passwordToken(orgAdmin);
        int revocations = slack.revoked().size();

        assertError(Http.anonymous(server.baseUrl()).get("/oauth/install/slack?organization_id=" + org,
                "Authorization", "Bearer " + delegated), 403, "insufficient_scope");
        assertError(Http.anonymous(server.baseUrl()).get("/api/v1/connections?organization_id=" + org,
                "Authorization", "Bearer " + delegated), 403, "insufficient_scope");
        assertError(Http.anonymous(server.baseUrl()).delete("/api/v1/connections/" + connectionId,
                "Authorization", "Bearer " + delegated), 403, "insufficient_scope");

        assertThat(slack.revoked()).hasSize(revocations);
        assertThat(connections(org).get(0).get("status").asText()).isEqualTo("active");
    }

    @Test
    void aCrossSiteLinkCannotStartAConnectFlow() {
        Http.Response page = admin.get("/oauth/install/slack?organization_id=" + org);
        assertThat(page.status()).as("a GET only shows the confirmation page").isEqualTo(200);
        assertThat(page.location()).isNull();
        assertThat(page.body()).contains("<form method=\"post\"");

        Http forger = Http.browser(server.baseUrl());
        forger.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD)); // a session, but no CSRF token of its page
        Http.Response forged = forger.postForm("/oauth/install/slack", Http.form("organization_id", org));
        assertError(forged, 403, "forbidden");

        assertThat(ConnectPage.start(admin, "slack", "organization_id=" + org).status()).isEqualTo(302);
    }

    @Test
    void aPlainMemberAndAnotherOrganizationsAdminAreRefused() {
        assertThat(connectSlack(admin, org).status()).isEqualTo(200);
        String connectionId = connections(org).get(0).get("id").asText();
        Http member = memberOf(org, "member").login();
        Http strangerSession = newUser().login();
        newOrg(strangerSession);

        for (Http session : List.of(member, strangerSession)) {
            assertThat(ConnectPage.start(session, "slack", "organization_id=" + org).status()).isIn(403, 404);
            assertThat(session.get("/api/v1/connections?organization_id=" + org).status()).isIn(403, 404);
            assertThat(session.delete("/api/v1/connections/" + connectionId).status()).isIn(403, 404);
        }
        assertThat(connections(org).get(0).get("status").asText()).isEqualTo("active");
    }

    // ---- connections:read is a service scope ----------------------------------------------------------

    @Test
    void onlyAServiceTokenReadsVaultTokens() throws Exception {
        assertThat(connectSlack(admin, org).status()).isEqualTo(200);
        String appOrg = newOrg(admin);
        var reader = app(appOrg, "connections:read", List.of("client_credentials"));

        Http.Response installationToken = clientCredentials(reader, appOrg);
        if (installationToken.status() == 200) {
            assertError(lookupWith(installationToken.text("access_token"), "slack", "organization_id=" + org), 403, "forbidden");
        } else {
            assertThat(installationToken.text("error")).isEqualTo("invalid_scope");
        }
        String legacyUserToken = userTokenCarrying("connections:read", reader.clientId(), newUser().id());
        assertError(lookupWith(legacyUserToken, "slack", "organization_id=" + org), 403, "forbidden");

        assertThat(lookupWith(clientCredentials(reader, null).text("access_token"), "slack", "organization_id=" + org)
                .status()).isEqualTo(200);
    }

    // ---- a refresh token is sent to a provider at most once -------------------------------------------

    @Test
    void aRefreshWhoseAnswerIsLostIsNotRepeatedAndTheNextAttemptDecides() throws Exception {
        var site = FakeAtlassian.Site.named(Fixtures.unique("site"));
        atlassian.sites(site);
        atlassian.leeway(Duration.ofMinutes(10));
        assertThat(admin.get(browserBack(ConnectPage.start(admin, "jira", "organization_id=" + org))).status())
                .isEqualTo(200);
        expireStoredTokens(org);
        atlassian.failAfterRefresh(true);

        Http.Response lost = lookup("jira", "site_id=" + site.id());

        assertError(lost, 503, "provider_unavailable");
        assertThat(atlassian.maxRefreshTokenPresentations()).as("never resent in one attempt").isEqualTo(1);
        assertThat(connections(org).get(0).get("status").asText()).isEqualTo("active");
        atlassian.failAfterRefresh(false);
        // The stored pair was kept: Atlassian's leeway lets the next attempt spend it once more.
        Http.Response next = lookup("jira", "site_id=" + site.id());
        assertThat(next.status()).as(next.body()).isEqualTo(200);
    }

    @Test
    void aSlack502AfterRotatingIsNotRetried() throws Exception {
        assertThat(connectSlack(admin, org).status()).isEqualTo(200);
        expireStoredTokens(org);
        slack.afterRefresh(AfterRefresh.FAIL_502);
        int before = slack.refreshes.get();

        assertError(lookup("slack", "organization_id=" + org), 503, "provider_unavailable");

        assertThat(slack.refreshes.get() - before).isEqualTo(1);
        assertThat(slack.maxRefreshTokenPresentations()).isEqualTo(1);
        assertThat(connections(org).get(0).get("status").asText()).isEqualTo("active");
    }

    /**
     * A provider hanging past the client timeout while 40 lookups refresh 40 different connections:
     * no refresh holds a pooled connection while it waits, so the token endpoint and introspection
     * keep answering.
     */
    @Test
    void aHangingProviderNeverStarvesTheTokenEndpoint() throws Exception {
        List<String> orgs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String each = newOrg(admin);
            slack.teamId = "T" + Fixtures.unique("h").replace("-", "").toUpperCase();
            assertThat(connectSlack(admin, each).status()).isEqualTo(200);
            orgs.add(each);
        }
        for (String each : orgs) {
            expireStoredTokens(each);
        }
        var client = app(newOrg(admin), "", List.of("client_credentials"));
        slack.refreshDelayMillis = 30_000;

        List<Callable<Http.Response>> lookups = orgs.stream()
                .<Callable<Http.Response>>map(each -> () -> lookup("slack", "organization_id=" + each)).toList();
        AtomicInteger answered = new AtomicInteger();
        List<Integer> statuses = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Http.Response>> pending = lookups.stream().map(pool::submit).toList();
            Thread.sleep(500); // the refreshes are now waiting on Slack
            Instant until = Instant.now().plusSeconds(6);
            while (Instant.now().isBefore(until)) {
                Http.Response token = clientCredentials(client, null);
                statuses.add(token.status());
                Http.Response introspection = Http.anonymous(server.baseUrl()).postForm("/oauth/introspect",
                        Http.form("token", token.text("access_token")), "Authorization", client.basic());
                statuses.add(introspection.status());
                answered.incrementAndGet();
            }
            for (Future<Http.Response> lookup : pending) {
                assertThat(lookup.get().status()).as(lookup.get().body()).isEqualTo(503);
            }
        } finally {
            slack.refreshDelayMillis = 0;
        }
        assertThat(answered.get()).isGreaterThan(20);
        assertThat(statuses).containsOnly(200);
        assertThat(slack.maxRefreshTokenPresentations()).isEqualTo(1);
    }

    // ---- a token handed out is never killed before its expiry ----------------------------------------

    @Test
    void theRefresherNeverKillsAGitHubUserTokenBeforeTheExpiryItWasHandedOutWith() throws Exception {
        github.expiringUserTokens(true);
        try {
            long user = GITHUB_IDS.incrementAndGet();
            github.signIn(user, "octo-" + user);
            assertThat(admin.get(browserBackFromGitHub(ConnectPage.start(admin, "github",
                    "organization_id=" + org + "&kind=oauth"))).status()).isEqualTo(200);
            expireStoredTokensIn(org, "8 hours");
            Http.Response handedOut = lookup("github", "organization_id=" + org);
            String token = handedOut.text("access_token");
            Instant reported = Instant.parse(handedOut.text("expires_at"));
            assertThat(reported).isBefore(Instant.now().plus(Duration.ofHours(8)).minusSeconds(299));

            // Eight minutes left: within the refresher's horizon (10 min), outside the lookups' skew (5 min).
            expireStoredTokensIn(org, "8 minutes");
            int refreshes = github.refreshCalls();
            server.app().vaultRefresher().runOnce();

            assertThat(github.refreshCalls()).isEqualTo(refreshes);
            assertThat(github.isActiveToken(token)).isTrue();
        } finally {
            github.expiringUserTokens(false);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static Http login(String username, String password) {
        Http session = Http.browser(server.baseUrl());
        var response = session.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return session.csrf(response.text("csrf_token"));
    }

    private static String newOrg(Http session) {
        Http.Response created = session.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.text("id");
    }

    private record User(String id, String username, String password) {
        Http login() {
            return VaultIsolationIT.login(username, password);
        }
    }

    private static User newUser() {
        String username = Fixtures.unique("user") + "@example.test";
        String password = "pw-" + Fixtures.unique("secret");
        var created = Http.anonymous(server.baseUrl()).postJson("/api/v1/users",
                Map.of("username", username, "password", password, "name", "Test"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return new User(created.text("id"), username, password);
    }

    private static User memberOf(String orgId, String role) {
        User user = newUser();
        assertThat(admin.postJson("/api/v1/orgs/" + orgId + "/members", Map.of("username", user.username(), "role", role))
                .status()).isEqualTo(201);
        return user;
    }

    private static Fixtures.App app(String ownerOrg, String scope, List<String> grants) {
        Map<String, Object> body = Fixtures.appBody(ownerOrg, Map.of("grant_types", grants, "actor_modes",
                List.of("app", "self"), "redirect_uris", List.of(), "scope", scope));
        Http.Response created = admin.postJson("/api/v1/oauth/clients", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return new Fixtures.App(created.text("client_id"), created.text("client_secret"), created.json());
    }

    private static Http.Response clientCredentials(Fixtures.App app, String organizationId) {
        String form = organizationId == null ? Http.form("grant_type", "client_credentials")
                : Http.form("grant_type", "client_credentials", "organization_id", organizationId);
        return Http.anonymous(server.baseUrl()).postForm("/oauth/token", form, "Authorization", app.basic());
    }

    private static String passwordToken(User user) {
        var app = app(newOrg(admin), "", List.of("password"));
        Http.Response token = Http.anonymous(server.baseUrl()).postForm("/oauth/token", Http.form("grant_type",
                "password", "username", user.username(), "password", user.password()), "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    /**
     * A user-delegated access token carrying {@code scope}, as an older Gatehouse could have issued
     * it, written straight into the store.
     */
    private static String userTokenCarrying(String scope, String clientId, String userId) throws Exception {
        String value = new TokenCodec("fo", new SecureRandom()).generate(TokenKind.ACCESS_TOKEN);
        try (var db = DriverManager.getConnection(database)) {
            var insert = db.prepareStatement("""
                    INSERT INTO access_tokens (id, token_hash, client_id, user_id, organization_id, actor, scope, grant_type,
                                               single_per_installation, created_at, expires_at)
                    VALUES (gen_random_uuid(), ?, ?, ?::uuid, NULL, 'self', ?, 'password', false, now(), now() + interval '1 hour')""");
            insert.setBytes(1, TokenCodec.hash(value));
            insert.setString(2, clientId);
            insert.setString(3, userId);
            insert.setString(4, scope);
            insert.executeUpdate();
        }
        return value;
    }

    private static Http.Response connectSlack(Http session, String orgId) {
        return session.get(browserBack(ConnectPage.start(session, "slack", "organization_id=" + orgId)));
    }

    /** The provider approves at once: where it sends the browser back. */
    private static String browserBack(Http.Response started) {
        assertThat(started.status()).as(started.body()).isEqualTo(302);
        Http.Response back = Http.anonymous(server.baseUrl()).get(started.location());
        assertThat(back.status()).as(back.body()).isEqualTo(302);
        return back.location();
    }

    private static String browserBackFromGitHub(Http.Response started) {
        return browserBack(started);
    }

    private static Http.Response lookup(String platform, String query) {
        return lookupWith(serviceToken, platform, query);
    }

    private static Http.Response lookupWith(String token, String platform, String query) {
        return Http.anonymous(server.baseUrl()).get("/oauth/token/" + platform + "?" + query,
                "Authorization", "Bearer " + token);
    }

    private static List<JsonNode> connections(String orgId) {
        List<JsonNode> all = new ArrayList<>();
        admin.get("/api/v1/connections?organization_id=" + orgId).json().get("data").forEach(all::add);
        return all;
    }

    private static void expireStoredTokens(String orgId) throws Exception {
        expireStoredTokensIn(orgId, "1 minute");
    }

    private static void expireStoredTokensIn(String orgId, String interval) throws Exception {
        try (var db = DriverManager.getConnection(database)) {
            db.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '" + interval
                    + "' WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + orgId + "')");
        }
    }

    private static int orphanedCredentials() throws Exception {
        try (var db = DriverManager.getConnection(database)) {
            var rows = db.createStatement().executeQuery("""
                    SELECT count(*) FROM vault_credentials v
                    WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.credential_id = v.id AND c.status <> 'revoked')""");
            rows.next();
            return rows.getInt(1);
        }
    }
}
