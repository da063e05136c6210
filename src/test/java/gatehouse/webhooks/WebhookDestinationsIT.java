package gatehouse.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook delivery connects to the very addresses it checked (no DNS rebinding between the check
 * and the connection), and never to a name that also resolves inside the network. DNS is the
 * test's own: each Gatehouse here looks webhook hosts up through a {@link HostResolver} that
 * answers what the test says, on a database of its own (the shared server works the shared outbox).
 */
class WebhookDestinationsIT {
    private final List<AutoCloseable> opened = new ArrayList<>();
    /** Every lookup the dispatcher made, by host name. */
    private final List<String> lookups = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
    }

    /** DNS for {@code host}: {@code first} the first time it is asked, {@code then} every time after. */
    private HostResolver dns(String host, List<String> first, List<String> then) {
        var calls = new AtomicInteger();
        return name -> {
            if (!name.equals(host)) {
                throw new UnknownHostException(name);
            }
            lookups.add(name);
            List<String> answer = calls.getAndIncrement() == 0 ? first : then;
            List<InetAddress> addresses = new ArrayList<>();
            for (String literal : answer) {
                addresses.add(InetAddress.getByName(literal));
            }
            return addresses;
        };
    }

    private TestServer node(boolean allowPrivate, HostResolver dns) {
        TestServer server = TestServer.start(Map.of("GATEHOUSE_DATABASE_URL", TestDatabase.another(),
                "GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", Boolean.toString(allowPrivate)), dns);
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

    /** An app of the organization listening for task.created at {@code url}, as registered (secret included). */
    private static Http.Response appListeningAt(Http admin, String org, String url) {
        var app = admin.postJson("/api/v1/oauth/clients", Fixtures.appBody(org, Map.of("actor_modes", List.of("app", "self"),
                "scope", "webhooks:manage", "grant_types", List.of("client_credentials"), "redirect_uris", List.of(),
                "webhook_url", url, "webhook_events", List.of("task.created"))));
        assertThat(app.status()).as(app.body()).isEqualTo(201);
        return app;
    }

    private static void publish(Http admin, String org) {
        var response = admin.postJson("/api/v1/events", Map.of("organization_id", org, "type", "task.created",
                "data", Map.of("n", 1)));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json().get("deliveries").asInt()).isEqualTo(1);
    }

    private static JsonNode onlyDelivery(Http admin, String clientId) {
        JsonNode log = admin.get("/api/v1/oauth/clients/" + clientId + "/webhook-deliveries").json().get("data");
        assertThat(log).hasSize(1);
        return log.get(0);
    }

    @Test
    void deliveryConnectsToTheAddressTheNameResolvedToNotToWhatItAnswersNext() throws Exception {
        // The name answers 127.0.0.1 first, then 127.0.0.2: a client that looked the name up again
        // when connecting would reach the trap, which listens on the same port at 127.0.0.2.
        var receiver = new WebhookReceiver("127.0.0.1", 0);
        opened.add(receiver);
        var trap = new WebhookReceiver("127.0.0.2", receiver.port());
        opened.add(trap);
        String host = "rebinding.hooks.test";
        TestServer server = node(true, dns(host, List.of("127.0.0.1"), List.of("127.0.0.2")));
        Http admin = adminOf(server);
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        var app = appListeningAt(admin, org, "http://" + host + ":" + receiver.port() + "/hook");
        receiver.secret(app.text("webhook_secret"));
        trap.secret(app.text("webhook_secret"));

        publish(admin, org);

        Eventually.until(() -> receiver.acknowledged().size() == 1);
        Thread.sleep(1000); // room for a wrong second connection to show up
        assertThat(trap.received()).isEmpty();
        assertThat(lookups).containsExactly(host);
        WebhookReceiver.Received received = receiver.acknowledged().getFirst();
        assertThat(received.validSignature()).isTrue();
        assertThat(received.host()).isEqualTo(host + ":" + receiver.port()); // Host names the URL's host, not the address
        assertThat(onlyDelivery(admin, app.text("client_id")).get("status").asText()).isEqualTo("delivered");
    }

    @Test
    void nameResolvingToAPublicAndAnInternalAddressIsNeverConnectedTo() throws Exception {
        // Were the internal answer connected to, this socket on 127.0.0.1 would see it.
        var internal = new ConnectionCounter();
        opened.add(internal);
        String host = "mixed.hooks.test";
        List<String> publicAndInternal = List.of("93.184.216.34", "127.0.0.1");
        TestServer server = node(false, dns(host, publicAndInternal, publicAndInternal));
        Http admin = adminOf(server);
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        var app = appListeningAt(admin, org, "https://" + host + ":" + internal.port() + "/hook");

        publish(admin, org);

        Eventually.until(() -> onlyDelivery(admin, app.text("client_id")).get("status").asText().equals("failed"));
        JsonNode delivery = onlyDelivery(admin, app.text("client_id"));
        assertThat(delivery.get("last_error").asText()).isEqualTo("the webhook URL does not resolve to a public address");
        assertThat(delivery.get("attempts").asInt()).isEqualTo(1); // given up at once: retrying would not help
        assertThat(internal.accepted()).isZero();
    }

    /** Counts the TCP connections made to it on 127.0.0.1. */
    private static final class ConnectionCounter implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();

        ConnectionCounter() throws IOException {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket ignored = socket.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
