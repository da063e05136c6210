package gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * X-Forwarded-For counts only when the TCP peer is a trusted proxy (GATEHOUSE_TRUSTED_PROXIES); the
 * address it yields is the one the audit log records (and every per-IP limit counts).
 */
class TrustedProxiesIT {
    private static TestServer behindProxy;

    @BeforeAll
    static void startServer() {
        behindProxy = TestServer.start(Map.of("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32, ::1/128"));
    }

    @AfterAll
    static void stopServer() {
        behindProxy.close();
    }

    /** Fails a login under a fresh name with these headers and returns the IP its audit entry recorded. */
    private static String auditedIp(TestServer server, String... headers) {
        String username = Fixtures.unique("xff") + "@example.test";
        Http.Response failed = Http.anonymous(server.baseUrl()).postJson("/api/v1/auth/login",
                Map.of("username", username, "password", "wrong-password-1"), headers);
        assertThat(failed.status()).isEqualTo(401);
        JsonNode entries = Fixtures.admin().get("/api/v1/audit-logs?limit=200&action=login.failed").json().get("data");
        return StreamSupport.stream(entries.spliterator(), false)
                .filter(e -> e.path("details").path("username").asText().equals(username))
                .findFirst().orElseThrow().get("ip").asText();
    }

    @Test
    void withoutTrustedProxiesAForwardedForHeaderIsIgnored() {
        assertThat(auditedIp(TestServer.get(), "X-Forwarded-For", "203.0.113.9")).isEqualTo("127.0.0.1");
    }

    @Test
    void fromATrustedPeerTheRightmostUntrustedForwardedAddressIsTheClient() {
        assertThat(auditedIp(behindProxy)).isEqualTo("127.0.0.1");
        assertThat(auditedIp(behindProxy, "X-Forwarded-For", "203.0.113.9")).isEqualTo("203.0.113.9");
        // What the client wrote itself stands left of what the proxy appended.
        assertThat(auditedIp(behindProxy, "X-Forwarded-For", "198.51.100.1, 203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(auditedIp(behindProxy, "X-Forwarded-For", "203.0.113.9, 127.0.0.1")).isEqualTo("203.0.113.9");
        assertThat(auditedIp(behindProxy, "X-Forwarded-For", "2001:db8::7")).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void aMalformedForwardedEntryStopsAtTheLastTrustedHop() {
        assertThat(auditedIp(behindProxy, "X-Forwarded-For", "203.0.113.9, unknown")).isEqualTo("127.0.0.1");
        assertThat(auditedIp(behindProxy, "X-Forwarded-For", "203.0.113.9:443")).isEqualTo("127.0.0.1");
    }
}
