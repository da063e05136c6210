package gatehouse.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import gatehouse.web.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks to apps (docs/http.md, "The management API"): signed, retried until acknowledged, kept
 * across restarts, sent once per attempt.
 */
class WebhooksIT {
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
    }

    private WebhookReceiver receiver() {
        var receiver = new WebhookReceiver();
        opened.add(receiver);
        return receiver;
    }

    private static Map<String, Object> webhookApp(String orgId, WebhookReceiver receiver, List<String> events) {
        return Fixtures.appBody(orgId, Map.of("actor_modes", List.of("app", "self"), "scope", "webhooks:manage",
                "grant_types", List.of("authorization_code", "client_credentials"),
                "webhook_url", receiver.url(), "webhook_events", events));
    }

    /** An app of organization A, with its receiver; organization B's owner installs it with webhooks:manage. */
    private record Installed(Fixtures.App app, Fixtures.User targetAdmin, String targetOrg) {
    }

    private Installed installedApp(WebhookReceiver receiver) {
        var developer = Fixtures.newUser();
        Http session = developer.login();
        String ownerOrg = Fixtures.org(session);
        var response = session.postJson("/api/v1/oauth/clients", webhookApp(ownerOrg, receiver,
                List.of("installation.created", "installation.revoked", "task.created", "token.revoked")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.text("webhook_secret")).startsWith("whsec_");
        receiver.secret(response.text("webhook_secret"));
        var app = new Fixtures.App(response.text("client_id"), response.text("client_secret"), response.json());
        var admin = Fixtures.newUser();
        String targetOrg = Fixtures.org(admin.login());
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(admin).authorize(Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "webhooks:manage", "state", "s", "actor", "app",
                "organization_id", targetOrg, "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        assertThat(Http.queryOf(location)).containsKey("code");
        return new Installed(app, admin, targetOrg);
    }

    /** A token of an internal service allowed to publish events (an admin approves events:publish). */
    private static String publisherToken() {
        String org = Fixtures.org(Fixtures.admin());
        var publisher = Fixtures.app(Fixtures.admin(), org, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", "events:publish"));
        var token = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", publisher.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    private static JsonNode body(WebhookReceiver.Received received) {
        try {
            return Json.MAPPER.readTree(received.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<WebhookReceiver.Received> ofType(WebhookReceiver receiver, String type) {
        return receiver.acknowledged().stream().filter(r -> body(r).get("type").asText().equals(type)).toList();
    }

    @Test
    void installedAppReceivesSignedInstallationAndPublishedEvents() throws Exception {
        var receiver = receiver();
        Installed installed = installedApp(receiver);
        Eventually.until(() -> ofType(receiver, "installation.created").size() == 1);
        JsonNode created = body(ofType(receiver, "installation.created").getFirst());
        assertThat(created.get("organization_id").asText()).isEqualTo(installed.targetOrg());
        assertThat(created.get("data").get("client_id").asText()).isEqualTo(installed.app().clientId());
        assertThat(created.fieldNames()).toIterable().containsExactly("id", "type", "created_at", "organization_id", "data");

        Http.Response published = Http.anonymous().postJson("/api/v1/events", Map.of("organization_id",
                installed.targetOrg(), "type", "task.created", "data", Map.of("task_id", 42)),
                "Authorization", "Bearer " + publisherToken());
        assertThat(published.status()).as(published.body()).isEqualTo(202);
        assertThat(published.json().get("deliveries").asInt()).isEqualTo(1);
        Eventually.until(() -> ofType(receiver, "task.created").size() == 1);
        JsonNode task = body(ofType(receiver, "task.created").getFirst());
        assertThat(task.get("id").asText()).isEqualTo(published.text("id"));
        assertThat(task.get("data").get("task_id").asInt()).isEqualTo(42);
        assertThat(receiver.received()).allMatch(WebhookReceiver.Received::validSignature);

        JsonNode log = installed.targetAdmin().login().get("/api/v1/orgs/" + installed.targetOrg() + "/installations")
                .json().get("data");
        assertThat(log).hasSize(1);
        var developerView = Fixtures.admin().get("/api/v1/oauth/clients/" + installed.app().clientId()
                + "/webhook-deliveries").json().get("data");
        assertThat(developerView).extracting(d -> d.get("status").asText()).containsOnly("delivered");
    }

    @Test
    void receiverThatFailsFirstGetsTheEventAcknowledgedExactlyOnce() throws Exception {
        var receiver = receiver();
        receiver.failNext(2);
        Installed installed = installedApp(receiver);
        Eventually.until(() -> ofType(receiver, "installation.created").size() == 1);
        Thread.sleep(1500); // room for a wrong extra attempt to show up
        assertThat(ofType(receiver, "installation.created")).hasSize(1);
        assertThat(receiver.received()).hasSize(3);
        assertThat(receiver.received().stream().map(WebhookReceiver.Received::id).distinct()).hasSize(1);
        JsonNode delivery = Fixtures.admin().get("/api/v1/oauth/clients/" + installed.app().clientId()
                + "/webhook-deliveries").json().get("data").get(0);
        assertThat(delivery.get("status").asText()).isEqualTo("delivered");
        assertThat(delivery.get("attempts").asInt()).isEqualTo(3);
        assertThat(delivery.get("last_status").asInt()).isEqualTo(204);

        // Redelivery sends the same message (same webhook-id) once more.
        Http.Response again = Fixtures.admin().postJson("/api/v1/oauth/clients/" + installed.app().clientId()
                + "/webhook-deliveries/" + delivery.get("id").asText() + "/redeliver", Map.of());
        assertThat(again.status()).as(again.body()).isEqualTo(202);
        Eventually.until(() -> ofType(receiver, "installation.created").size() == 2);
        assertThat(ofType(receiver, "installation.created").get(1).id()).isEqualTo(delivery.get("id").asText());
    }

    @Test
    void disconnectTellsTheAppByWebhook() throws Exception {
        var receiver = receiver();
        Installed installed = installedApp(receiver);
        Http admin = installed.targetAdmin().login();
        String installationId = admin.get("/api/v1/orgs/" + installed.targetOrg() + "/installations").json()
                .get("data").get(0).get("id").asText();
        assertThat(admin.delete("/api/v1/orgs/" + installed.targetOrg() + "/installations/" + installationId).status())
                .isEqualTo(204);
        Eventually.until(() -> ofType(receiver, "installation.revoked").size() == 1);
        JsonNode revoked = body(ofType(receiver, "installation.revoked").getFirst());
        assertThat(revoked.get("data").get("installation_id").asText()).isEqualTo(installationId);
    }

    @Test
    void disconnectCancelsTheOrganizationsPendingDeliveriesButTellsTheApp() throws Exception {
        var receiver = receiver();
        Installed installed = disconnectWhileATaskDeliveryIsFailing(receiver);
        assertThat(ofType(receiver, "task.created")).isEmpty();
        JsonNode log = Fixtures.admin().get("/api/v1/oauth/clients/" + installed.app().clientId()
                + "/webhook-deliveries").json().get("data");
        JsonNode task = StreamSupport.stream(log.spliterator(), false)
                .filter(d -> d.get("event_type").asText().equals("task.created")).findFirst().orElseThrow();
        assertThat(task.get("status").asText()).isEqualTo("failed");
        assertThat(task.get("last_error").asText()).contains("disconnected");
    }

    @Test
    void deliveryCancelledAtDisconnectCannotBeRedelivered() throws Exception {
        var receiver = receiver();
        Installed installed = disconnectWhileATaskDeliveryIsFailing(receiver);
        String deliveries = "/api/v1/oauth/clients/" + installed.app().clientId() + "/webhook-deliveries";
        JsonNode task = deliveryOfType(Fixtures.admin().get(deliveries).json().get("data"), "task.created");
        assertThat(task.get("cancelled_at").isNull()).isFalse();

        Http.Response again = Fixtures.admin().postJson(deliveries + "/" + task.get("id").asText() + "/redeliver", Map.of());

        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.text("error")).isEqualTo("conflict");
        assertThat(again.text("error_description")).contains("cancelled", "disconnected");
        Thread.sleep(1500); // room for a wrong delivery to show up
        assertThat(ofType(receiver, "task.created")).isEmpty();
        JsonNode after = deliveryOfType(Fixtures.admin().get(deliveries).json().get("data"), "task.created");
        assertThat(after.get("status").asText()).isEqualTo("failed");
        assertThat(after.get("attempts").asInt()).isEqualTo(task.get("attempts").asInt());
        // The news of the disconnection itself was not cancelled: it can be sent again.
        String revoked = deliveryOfType(Fixtures.admin().get(deliveries).json().get("data"), "installation.revoked")
                .get("id").asText();
        assertThat(Fixtures.admin().postJson(deliveries + "/" + revoked + "/redeliver", Map.of()).status()).isEqualTo(202);
        Eventually.until(() -> ofType(receiver, "installation.revoked").size() == 2);
    }

    private static JsonNode deliveryOfType(JsonNode log, String type) {
        return StreamSupport.stream(log.spliterator(), false)
                .filter(d -> d.get("event_type").asText().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void adminBulkRevocationTellsTheApp() throws Exception {
        var receiver = receiver();
        Installed installed = installedApp(receiver);
        Http.Response token = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "organization_id", installed.targetOrg()), "Authorization", installed.app().basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        Http.Response revoked = Fixtures.admin().postJson("/api/v1/oauth/tokens/bulk-revoke",
                Map.of("client_id", installed.app().clientId()));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        Eventually.until(() -> ofType(receiver, "token.revoked").size() == 1);
        JsonNode event = body(ofType(receiver, "token.revoked").getFirst());
        assertThat(event.get("organization_id").asText()).isEqualTo(installed.targetOrg());
        assertThat(event.get("data").get("reason").asText()).isEqualTo("bulk_revoked");
    }

    @Test
    void userRevokingTheirConsentTellsTheAppItsTokensAreRevoked() throws Exception {
        var receiver = receiver();
        Installed installed = installedApp(receiver);
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(installed.targetAdmin()).authorize(Http.form("response_type", "code",
                "client_id", installed.app().clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", "webhooks:manage",
                "state", "s", "actor", "self", "organization_id", installed.targetOrg(),
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        installed.app().exchange(new OAuthBrowser.Code(Http.queryOf(location).get("code"), pkce.verifier()));
        Http user = installed.targetAdmin().login();
        String consentId = null;
        for (JsonNode consent : user.get("/api/v1/oauth/consents").json().get("data")) {
            if (consent.get("actor").asText().equals("self")) {
                consentId = consent.get("id").asText();
            }
        }
        assertThat(user.delete("/api/v1/oauth/consents/" + consentId).status()).isEqualTo(204);
        Eventually.until(() -> ofType(receiver, "token.revoked").size() == 1);
        JsonNode revoked = body(ofType(receiver, "token.revoked").getFirst());
        assertThat(revoked.get("organization_id").asText()).isEqualTo(installed.targetOrg());
        assertThat(revoked.get("data").get("user_id").asText()).isEqualTo(installed.targetAdmin().id());
        assertThat(revoked.get("data").get("reason").asText()).isEqualTo("consent_revoked");
    }

    @Test
    void appOfAPlainMemberDoesNotHearItsOrganizationsEvents() {
        var receiver = receiver();
        var owner = Fixtures.newUser();
        String org = Fixtures.org(owner.login());
        var member = Fixtures.newUser();
        owner.login().postJson("/api/v1/orgs/" + org + "/members", Map.of("username", member.username(), "role", "member"));
        var app = member.login().postJson("/api/v1/oauth/clients", webhookApp(org, receiver, List.of("task.created")));
        assertThat(app.status()).as(app.body()).isEqualTo(201);
        Http.Response published = Fixtures.admin().postJson("/api/v1/events", Map.of("organization_id", org,
                "type", "task.created", "data", Map.of()));
        assertThat(published.status()).isEqualTo(202);
        assertThat(published.json().get("deliveries").asInt()).isZero();
    }

    // --- nodes of their own, on a database of their own (the shared server works the shared outbox) ---

    private TestServer node(String databaseUrl) {
        TestServer server = TestServer.start(Map.of("GATEHOUSE_DATABASE_URL", databaseUrl));
        opened.add(server::close);
        return server;
    }

    private static Http adminOf(TestServer server) {
        Http session = Http.browser(server.baseUrl());
        var login = session.postJson("/api/v1/auth/login", Map.of("username", TestServer.ADMIN_USERNAME,
                "password", TestServer.ADMIN_PASSWORD));
        assertThat(login.status()).isEqualTo(200);
        return session.csrf(login.text("csrf_token"));
    }

    /** An organization of the node's admin with an app listening for task.created; returns the org ID. */
    private static String orgWithListeningApp(Http admin, WebhookReceiver receiver) {
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        var app = admin.postJson("/api/v1/oauth/clients", webhookApp(org, receiver, List.of("task.created")));
        assertThat(app.status()).as(app.body()).isEqualTo(201);
        receiver.secret(app.text("webhook_secret"));
        return org;
    }

    private static void publish(Http admin, String org, int n) {
        var response = admin.postJson("/api/v1/events", Map.of("organization_id", org, "type", "task.created",
                "data", Map.of("n", n)));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json().get("deliveries").asInt()).isEqualTo(1);
    }

    @Test
    void deliveryPendingWhenGatehouseStopsHappensAfterItStartsAgain() throws Exception {
        String database = TestDatabase.another();
        var receiver = receiver();
        receiver.failNext(Integer.MAX_VALUE);
        TestServer first = node(database);
        Http admin = adminOf(first);
        String org = orgWithListeningApp(admin, receiver);
        publish(admin, org, 1);
        Eventually.until(() -> !receiver.received().isEmpty());
        first.close();
        receiver.failNext(0);
        int before = receiver.received().size();

        node(database);
        Eventually.until(() -> receiver.acknowledged().size() == 1);
        assertThat(receiver.received().size()).isGreaterThan(before);
        assertThat(body(receiver.acknowledged().getFirst()).get("data").get("n").asInt()).isEqualTo(1);
    }

    @Test
    void twoNodesOnOneDatabaseNeverSendTheSameAttemptTwice() throws Exception {
        String database = TestDatabase.another();
        var receiver = receiver();
        TestServer a = node(database);
        node(database);
        Http admin = adminOf(a);
        String org = orgWithListeningApp(admin, receiver);
        int events = 40;
        for (int i = 0; i < events; i++) {
            publish(admin, org, i);
        }
        Eventually.until(() -> receiver.acknowledged().size() >= events);
        Thread.sleep(1500);
        Map<String, Long> perMessage = receiver.received().stream()
                .collect(Collectors.groupingBy(WebhookReceiver.Received::id, Collectors.counting()));
        assertThat(perMessage).hasSize(events);
        assertThat(perMessage.values()).containsOnly(1L);
    }

    @Test
    void webhookUrlsPointingInsideTheNetworkAreRefusedWithoutTheDevelopmentFlag() {
        Map<String, String> strict = new HashMap<>(Map.of("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", "false"));
        TestServer server = TestServer.start(strict);
        opened.add(server::close);
        Http admin = adminOf(server);
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        for (String url : List.of("https://127.0.0.1/hook", "http://127.0.0.1:8080/hook", "https://169.254.169.254/latest",
                "https://[::1]/hook", "https://localhost/hook", "https://10.0.0.5/hook", "https://[::ffff:127.0.0.1]/x",
                "http://hooks.example.com/plain-http")) {
            var response = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(org, Map.of("webhook_url", url)));
            assertThat(response.status()).as(url + ": " + response.body()).isEqualTo(400);
            assertThat(response.text("error")).isEqualTo("validation_failed");
        }
        var ok = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(org, Map.of("webhook_url",
                "https://hooks.example.com/gatehouse")));
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    }

    /**
     * Installs an app, publishes task.created while its receiver fails, disconnects the organization,
     * lets the receiver recover, and waits for installation.revoked.
     */
    private Installed disconnectWhileATaskDeliveryIsFailing(WebhookReceiver receiver) throws Exception {
        Installed installed = installedApp(receiver);
        Eventually.until(() -> ofType(receiver, "installation.created").size() == 1);
        receiver.failNext(Integer.MAX_VALUE);
        Http.Response published = Http.anonymous().postJson("/api/v1/events", Map.of("organization_id",
                installed.targetOrg(), "type", "task.created", "data", Map.of()), "Authorization", "Bearer " + publisherToken());
        assertThat(published.status()).isEqualTo(202);
        Eventually.until(() -> receiver.received().stream().anyMatch(r -> body(r).get("type").asText().equals("task.created")));
        Http admin = installed.targetAdmin().login();
        String installationId = admin.get("/api/v1/orgs/" + installed.targetOrg() + "/installations").json()
                .get("data").get(0).get("id").asText();
        assertThat(admin.delete("/api/v1/orgs/" + installed.targetOrg() + "/installations/" + installationId).status())
                .isEqualTo(204);
        receiver.failNext(0);
        Eventually.until(() -> ofType(receiver, "installation.revoked").size() == 1);
        return installed;
    }

}
