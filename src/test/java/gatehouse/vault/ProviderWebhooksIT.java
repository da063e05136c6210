package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import gatehouse.web.Json;
import gatehouse.webhooks.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Provider webhooks end to end (docs/vault-webhooks.md), and the connection events they and the
 * connect flow send to the SaaS-wide endpoint (docs/vault-events.md): GitHub installation
 * uninstalled, suspended and unsuspended, a GitHub App authorization revoked, a Slack app
 * uninstalled; bad signatures and stale timestamps change nothing; a repeated delivery changes
 * nothing. The signatures are checked against the providers' published test vectors first.
 */
class ProviderWebhooksIT {
    private static final String GITHUB_SECRET = "github-webhook-secret-for-tests";
    private static final String SLACK_SECRET = "slack-signing-secret-for-tests";
    private static final String EVENTS_SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    private static final AtomicLong IDS = new AtomicLong(77_000);
    private static FakeGitHub github;
    private static FakeSlack slack;
    private static WebhookReceiver saas;
    private static TestServer server;
    private static String database;
    private static Http admin;

    @BeforeAll
    static void start() {
        github = FakeGitHub.start();
        slack = new FakeSlack();
        saas = new WebhookReceiver();
        saas.secret(EVENTS_SECRET);
        Map<String, String> env = new HashMap<>(slack.settings());
        database = TestDatabase.another();
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.putAll(github.gatehouseSettings());
        env.put("GATEHOUSE_GITHUB_APP_WEBHOOK_SECRET", GITHUB_SECRET);
        env.put("GATEHOUSE_SLACK_SIGNING_SECRET", SLACK_SECRET);
        env.put("GATEHOUSE_EVENTS_WEBHOOK_URL", saas.url());
        env.put("GATEHOUSE_EVENTS_WEBHOOK_SECRET", EVENTS_SECRET);
        server = TestServer.start(env);
        github.registerCallback(server.issuer() + "/oauth/callback/github");
        github.registerSetupUrl(server.issuer() + "/oauth/callback/github");
        admin = server.adminSession();
    }

    @AfterAll
    static void stop() {
        server.close();
        github.close();
        slack.close();
        saas.close();
    }

    // ---- the providers' published test vectors ----------------------------------------------------------------

    @Test
    void signaturesMatchTheProvidersPublishedTestVectors() {
        // docs.github.com, "Validating webhook deliveries": secret, payload and the signature GitHub sends.
        assertThat("sha256=" + ProviderWebhooks.hmacHex("It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8),
                "Hello, World!".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        // api.slack.com, "Verifying requests from Slack": signing secret, timestamp, body and signature.
        String body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
                + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assertThat("v0=" + ProviderWebhooks.hmacHex("8f742231b10e8888abcd99yyyzzz85a5".getBytes(StandardCharsets.UTF_8),
                ("v0:1531420618:" + body).getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
    }

    // ---- GitHub ---------------------------------------------------------------------------------------------------

    @Test
    void anUninstalledInstallationRevokesItsConnectionAtOnceAndARepeatChangesNothing() {
        Installed installed = installGitHubApp();
        String delivery = UUID.randomUUID().toString();
        Http.Response answer = github("installation", delivery, installationEvent("deleted", installed));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.text("outcome")).isEqualTo("applied");
        assertThat(status(installed.org())).isEqualTo("revoked");
        assertThat(admin.get("/oauth/token/github?organization_id=" + installed.org()).status()).isEqualTo(404);

        Http.Response repeat = github("installation", delivery, installationEvent("deleted", installed));
        assertThat(repeat.status()).isEqualTo(200);
        assertThat(repeat.text("outcome")).isEqualTo("duplicate");
        assertSaasEvent("connection.revoked", installed.org());
    }

    @Test
    void aSuspendedInstallationAnswers409UntilUnsuspended() {
        Installed installed = installGitHubApp();
        assertThat(github("installation", UUID.randomUUID().toString(), installationEvent("suspend", installed)).status())
                .isEqualTo(200);
        assertThat(status(installed.org())).isEqualTo("suspended");
        Http.Response refused = admin.get("/oauth/token/github?organization_id=" + installed.org());
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("error")).isEqualTo("reauthorization_required");
        assertSaasEvent("connection.suspended", installed.org());

        assertThat(github("installation", UUID.randomUUID().toString(), installationEvent("unsuspend", installed)).status())
                .isEqualTo(200);
        assertThat(status(installed.org())).isEqualTo("active");
        assertThat(admin.get("/oauth/token/github?organization_id=" + installed.org()).status()).isEqualTo(200);
    }

    @Test
    void aLateEventOfAnOldInstallationLeavesTheNewOneAlone() {
        Installed installed = installGitHubApp();
        Installed stale = new Installed(installed.org(), installed.account(), installed.installation() + 1000);
        Http.Response answer = github("installation", UUID.randomUUID().toString(), installationEvent("deleted", stale));
        assertThat(answer.text("outcome")).isEqualTo("ignored");
        assertThat(status(installed.org())).isEqualTo("active");
    }

    @Test
    void newPermissionsMakeTheNextLookupMintAFreshInstallationToken() {
        Installed installed = installGitHubApp();
        String first = admin.get("/oauth/token/github?organization_id=" + installed.org()).text("access_token");
        github("installation", UUID.randomUUID().toString(), installationEvent("new_permissions_accepted", installed));
        String next = admin.get("/oauth/token/github?organization_id=" + installed.org()).text("access_token");
        assertThat(next).startsWith("ghs_").isNotEqualTo(first);
    }

    @Test
    void badOrMissingGitHubSignaturesAre401AndChangeNothing() {
        Installed installed = installGitHubApp();
        byte[] body = installationEvent("deleted", installed);
        Http anonymous = Http.anonymous(server.baseUrl());
        Http.Response unsigned = anonymous.send("POST", "/webhooks/github", "application/json",
                new String(body, StandardCharsets.UTF_8), "X-GitHub-Event", "installation", "X-GitHub-Delivery", "d-1");
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(unsigned.text("error")).isEqualTo("unauthenticated");
        Http.Response forged = anonymous.send("POST", "/webhooks/github", "application/json",
                new String(body, StandardCharsets.UTF_8), "X-GitHub-Event", "installation", "X-GitHub-Delivery", "d-2",
                "X-Hub-Signature-256", "sha256=" + hmac("another secret", body));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(status(installed.org())).isEqualTo("active");
    }

    @Test
    void aRevokedGitHubAppAuthorizationMarksTheUsersConnectionForReauthorization() {
        String org = newOrg();
        long user = IDS.incrementAndGet();
        github.expiringUserTokens(true).signIn(user, "octo-" + user);
        Http.Response started = ConnectPage.start(admin, "github", "organization_id=" + org + "&kind=oauth");
        Http.Response back = Http.anonymous().get(started.location());
        assertThat(admin.get(back.location()).status()).isEqualTo(200);
        byte[] body = Json.write(Map.of("action", "revoked", "sender", Map.of("id", user, "login", "octo-" + user)));
        assertThat(github("github_app_authorization", UUID.randomUUID().toString(), body).text("outcome")).isEqualTo("applied");
        assertThat(status(org)).isEqualTo("needs_reauth");
        assertSaasEvent("connection.needs_reauth", org);
        github.expiringUserTokens(false);
    }

    // ---- Slack ----------------------------------------------------------------------------------------------------

    @Test
    void slackUrlVerificationAnswersTheChallenge() {
        Http.Response answer = slack(Map.of("type", "url_verification", "challenge", "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                "token", "ignored"), nowSeconds());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text("challenge")).isEqualTo("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    }

    @Test
    void anUninstalledSlackAppRevokesTheWorkspacesConnectionAndARepeatChangesNothing() {
        String org = connectSlack();
        String eventId = "Ev" + IDS.incrementAndGet();
        Map<String, Object> event = slackEvent(eventId, "app_uninstalled");
        Http.Response answer = slack(event, nowSeconds());
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.text("outcome")).isEqualTo("applied");
        assertThat(status(org)).isEqualTo("revoked");
        assertThat(slack(event, nowSeconds()).text("outcome")).isEqualTo("duplicate");
    }

    @Test
    void revokedSlackTokensRevokeTheConnectionWhoseTokenSlackNowRefuses() {
        String org = connectSlack();
        // A reconnect retiring an old token also sends tokens_revoked: the live token still works, nothing changes.
        Map<String, Object> retired = slackEvent("Ev" + IDS.incrementAndGet(), "tokens_revoked");
        assertThat(slack(retired, nowSeconds()).text("outcome")).isEqualTo("ignored");
        assertThat(status(org)).isEqualTo("active");

        slack.revokeAccessTokens();
        Map<String, Object> event = slackEvent("Ev" + IDS.incrementAndGet(), "tokens_revoked");
        assertThat(slack(event, nowSeconds()).text("outcome")).isEqualTo("applied");
        assertThat(status(org)).isEqualTo("revoked");
    }

    @Test
    void aSignedGitHubBodySentAgainUnderANewDeliveryIdIsARepeat() {
        Installed installed = installGitHubApp();
        byte[] suspend = installationEvent("suspend", installed);
        assertThat(github("installation", UUID.randomUUID().toString(), suspend).text("outcome")).isEqualTo("applied");
        assertThat(github("installation", UUID.randomUUID().toString(), installationEvent("unsuspend", installed))
                .text("outcome")).isEqualTo("applied");
        Http.Response replayed = github("installation", UUID.randomUUID().toString(), suspend);
        assertThat(replayed.text("outcome")).isEqualTo("duplicate");
        assertThat(status(installed.org())).isEqualTo("active");
    }

    @Test
    void aStaleOrBadlySignedSlackDeliveryIs401AndChangesNothing() {
        String org = connectSlack();
        Map<String, Object> event = slackEvent("Ev" + IDS.incrementAndGet(), "app_uninstalled");
        long stale = nowSeconds() - Duration.ofMinutes(6).toSeconds();
        assertThat(slack(event, stale).status()).isEqualTo(401);
        String body = Json.writeString(event);
        Http.Response forged = Http.anonymous(server.baseUrl()).send("POST", "/webhooks/slack", "application/json", body,
                "X-Slack-Request-Timestamp", Long.toString(nowSeconds()), "X-Slack-Signature", "v0=" + "0".repeat(64));
        assertThat(forged.status()).isEqualTo(401);
        Http.Response unsigned = Http.anonymous(server.baseUrl()).send("POST", "/webhooks/slack", "application/json", body);
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(status(org)).isEqualTo("active");
    }

    // ---- connection events ------------------------------------------------------------------------------------

    @Test
    void theSaasWideEndpointHearsOfANewConnectionWithTheConnectionObjectAndNoToken() {
        Installed installed = installGitHubApp();
        JsonNode event = assertSaasEvent("connection.created", installed.org());
        JsonNode connection = event.get("data").get("connection");
        assertThat(connection.get("platform").asText()).isEqualTo("github");
        assertThat(connection.get("status").asText()).isEqualTo("active");
        assertThat(event.toString()).doesNotContain("ghs_").doesNotContain("credential");
    }

    @Test
    void anAppThatManagesWebhooksInTheOrganizationHearsOfItsConnectionsAndOnlyThose() {
        String org = newOrg();
        String other = newOrg();
        try (WebhookReceiver mine = new WebhookReceiver(); WebhookReceiver theirs = new WebhookReceiver()) {
            subscribe(org, mine);
            subscribe(other, theirs);
            long account = IDS.incrementAndGet();
            github.installOn(account, "acme-" + account, "Organization");
            Http.Response started = ConnectPage.start(admin, "github", "organization_id=" + org);
            assertThat(admin.get(Http.anonymous().get(started.location()).location()).status()).isEqualTo(200);

            assertThat(gatehouse.testing.Eventually.holdsWithin(Duration.ofSeconds(10), () -> mine.acknowledged().stream()
                    .anyMatch(received -> received.body().contains("\"connection.created\"")))).isTrue();
            assertThat(mine.acknowledged().getFirst().body()).doesNotContain("ghs_");
            assertThat(theirs.received()).as("another organization's app hears nothing").isEmpty();
        }
    }

    @Test
    void scheduledChecksFindAnUninstalledGitHubAppAndARevokedSlackTokenWithoutAnyWebhook() throws Exception {
        Installed installed = installGitHubApp();
        String slackOrg = connectSlack();
        github.deleteInstallation(installed.installation());
        slack.revokeAccessTokens();
        try (var db = java.sql.DriverManager.getConnection(database)) {
            db.createStatement().execute("UPDATE vault_credentials SET check_due_at = now() - interval '1 minute'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id IN ('" + installed.org()
                    + "', '" + slackOrg + "'))");
        }
        server.app().vaultRefresher().runOnce();
        assertThat(status(installed.org())).isEqualTo("needs_reauth");
        assertThat(status(slackOrg)).isEqualTo("needs_reauth");
    }

    /** An app of {@code org} registered by its owner, managing webhooks there, subscribed to connection events. */
    private static void subscribe(String org, WebhookReceiver receiver) {
        Http.Response app = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(org, Map.of("actor_modes",
                List.of("app", "self"), "scope", "webhooks:manage", "webhook_url", receiver.url(),
                "webhook_events", List.of("connection.created", "connection.revoked"))));
        assertThat(app.status()).as(app.body()).isEqualTo(201);
        receiver.secret(app.text("webhook_secret"));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private record Installed(String org, long account, long installation) {
    }

    private static Installed installGitHubApp() {
        String org = newOrg();
        long account = IDS.incrementAndGet();
        github.installOn(account, "acme-" + account, "Organization");
        Http.Response started = ConnectPage.start(admin, "github", "organization_id=" + org);
        Http.Response back = Http.anonymous().get(started.location());
        Http.Response callback = admin.get(back.location());
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        return new Installed(org, account, github.installationIdFor(account));
    }

    private static String connectSlack() {
        String org = newOrg();
        slack.teamId = "T" + Fixtures.unique("w").replace("-", "").toUpperCase();
        Http.Response started = ConnectPage.start(admin, "slack", "organization_id=" + org);
        Http.Response approved = Http.anonymous().get(started.location());
        assertThat(admin.get(approved.location()).status()).isEqualTo(200);
        return org;
    }

    private static String newOrg() {
        return admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
    }

    private static String status(String org) {
        JsonNode data = admin.get("/api/v1/connections?organization_id=" + org).json().get("data");
        return data.isEmpty() ? "revoked" : data.get(0).get("status").asText();
    }

    private static byte[] installationEvent(String action, Installed installed) {
        return Json.write(Map.of("action", action, "installation", Map.of("id", installed.installation(),
                "account", Map.of("id", installed.account(), "login", "acme-" + installed.account(), "type", "Organization")),
                "sender", Map.of("id", 1, "login", "someone")));
    }

    private static Http.Response github(String event, String delivery, byte[] body) {
        return Http.anonymous(server.baseUrl()).send("POST", "/webhooks/github", "application/json",
                new String(body, StandardCharsets.UTF_8), "X-GitHub-Event", event, "X-GitHub-Delivery", delivery,
                "X-Hub-Signature-256", "sha256=" + hmac(GITHUB_SECRET, body));
    }

    private static Map<String, Object> slackEvent(String eventId, String type) {
        return Map.of("type", "event_callback", "team_id", slack.teamId, "api_app_id", "A123", "event_id", eventId,
                "event_time", nowSeconds(), "event", type.equals("tokens_revoked")
                        ? Map.of("type", type, "tokens", Map.of("bot", List.of("U0BOT")))
                        : Map.of("type", type));
    }

    private static Http.Response slack(Map<String, Object> payload, long timestamp) {
        String body = Json.writeString(payload);
        String signature = "v0=" + hmac(SLACK_SECRET, ("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8));
        return Http.anonymous(server.baseUrl()).send("POST", "/webhooks/slack", "application/json", body,
                "X-Slack-Request-Timestamp", Long.toString(timestamp), "X-Slack-Signature", signature);
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    /** Written from the providers' documentation, not from Gatehouse's code. */
    private static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signed event of {@code type} about the organization's connection that reached the SaaS-wide endpoint. */
    private static JsonNode assertSaasEvent(String type, String org) {
        java.util.function.Supplier<JsonNode> found = () -> saas.acknowledged().stream()
                .map(received -> read(received.body()))
                .filter(event -> event.get("type").asText().equals(type) && event.get("organization_id").asText().equals(org))
                .findFirst().orElse(null);
        assertThat(Eventually.holdsWithin(Duration.ofSeconds(10), () -> found.get() != null))
                .as("the SaaS-wide endpoint heard %s about %s", type, org).isTrue();
        return found.get();
    }

    private static JsonNode read(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
