package gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 18: /metrics tells outsiders which apps are busy and failing, so on the main port
 * only platform admins read it; GATEHOUSE_METRICS_PORT opens a second listener for a scraper that
 * the network lets in.
 */
class MetricsAccessIT {
    private final Http api = Http.anonymous();

    @Test
    void metricsOnTheMainPortWhenNotAPlatformAdminThenRefused() {
        Http.Response anonymous = api.get("/metrics");
        assertThat(anonymous.status()).as(anonymous.body()).isEqualTo(401);
        assertThat(anonymous.text("error")).isEqualTo("unauthenticated");
        assertThat(anonymous.body()).doesNotContain("http_server_requests");

        Http.Response user = Fixtures.newUser().login().get("/metrics");
        assertThat(user.status()).as(user.body()).isEqualTo(403);
        assertThat(user.text("error")).isEqualTo("forbidden");

        String org = Fixtures.org(Fixtures.admin());
        Fixtures.App plain = Fixtures.app(Fixtures.admin(), org, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of()));
        Http.Response serviceWithoutAdmin = api.get("/metrics", "Authorization", "Bearer " + serviceToken(plain));
        assertThat(serviceWithoutAdmin.status()).as(serviceWithoutAdmin.body()).isEqualTo(403);
        assertThat(serviceWithoutAdmin.text("error")).isEqualTo("forbidden");
    }

    @Test
    void metricsOnTheMainPortWhenPlatformAdminThenServed() {
        Http.Response session = Fixtures.admin().get("/metrics");
        assertThat(session.status()).as(session.body()).isEqualTo(200);
        assertThat(session.header("Content-Type")).startsWith("text/plain");
        assertThat(session.body()).contains("http_server_requests");

        String org = Fixtures.org(Fixtures.admin());
        Fixtures.App service = Fixtures.app(Fixtures.admin(), org, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", "admin:*"));
        Http.Response token = api.get("/metrics", "Authorization", "Bearer " + serviceToken(service));
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        assertThat(token.body()).contains("http_server_requests");
    }

    @Test
    void metricsPortWhenSetThenOpenThereOnlyForMetricsAndClosedWithTheApp() {
        int metricsPort = freePort();
        TestServer server = TestServer.start(Map.of("GATEHOUSE_METRICS_PORT", Integer.toString(metricsPort)));
        try {
            assertThat(server.app().metricsPort()).isEqualTo(metricsPort);
            Http scraper = Http.anonymous("http://127.0.0.1:" + metricsPort);

            Http.Response scrape = scraper.get("/metrics");
            assertThat(scrape.status()).as(scrape.body()).isEqualTo(200);
            assertThat(scrape.body()).contains("jvm_memory");
            Http.Response other = scraper.get("/health");
            assertThat(other.status()).as("only /metrics on the metrics port").isEqualTo(404);
            assertThat(other.text("error")).isEqualTo("not_found");
            assertThat(scraper.get("/.well-known/oauth-authorization-server").status()).isEqualTo(404);
            assertThat(Http.anonymous(server.baseUrl()).get("/metrics").status())
                    .as("the main port keeps the admin-only rule").isEqualTo(401);
        } finally {
            server.close();
        }
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", metricsPort), 2_000))
                .as("the metrics listener is closed with the app").isInstanceOf(ConnectException.class);
    }

    private String serviceToken(Fixtures.App app) {
        Http.Response token = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
