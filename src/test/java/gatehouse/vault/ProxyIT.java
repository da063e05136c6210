package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestRedis;
import gatehouse.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vault's proxy end to end (docs/vault-proxy.md), on two nodes sharing the database and Redis,
 * against a GitLab-shaped fake provider: the credential is injected and never shown, the answer
 * streams, a refused token is renewed once and retried once (never for a POST), paths cannot climb
 * out of the API, the caller's host means nothing, callers without the service scope are refused,
 * every call is audited, and both nodes spend one rate limit and one refresh.
 */
class ProxyIT {
    private static final int LIMIT = 12;
    private static FakeDefinedProvider gitlab;
    private static String database;
    private static TestServer nodeA;
    private static TestServer nodeB;
    private static Http admin;
    private static String serviceToken;

    @BeforeAll
    static void start() {
        gitlab = new FakeDefinedProvider(ProviderDefinitions.load(null, false, Duration.ofDays(1)).get("gitlab"));
        database = TestDatabase.another();
        Map<String, String> env = new HashMap<>(gitlab.gatehouseSettings());
        env.put("GATEHOUSE_DATABASE_URL", database);
        env.put("GATEHOUSE_REDIS_URL", TestRedis.url());
        env.put("GATEHOUSE_REDIS_KEY_PREFIX", Fixtures.unique("proxy-it") + ":");
        env.put("GATEHOUSE_PROXY_RATE_LIMIT_PER_MINUTE", Integer.toString(LIMIT));
        nodeA = TestServer.start(env);
        nodeB = TestServer.start(env);
        admin = nodeA.adminSession();
        serviceToken = serviceToken("connections:read");
    }

    @AfterAll
    static void stop() {
        nodeB.close();
        nodeA.close();
        gitlab.close();
    }

    @Test
    void aServiceCallReachesTheProviderWithTheConnectionsTokenAndNothingOfTheCallers() {
        String org = connectedOrganization();
        String providerToken = admin.get("/oauth/token/gitlab?organization_id=" + org).text("access_token");
        Http.Response answer = call(nodeA, "GET", "/proxy/gitlab/projects/7/issues?state=opened&organization_id=" + org,
                "Cookie", "gatehouse_session=mine", "X-Custom", "kept", "X-Forwarded-For", "10.0.0.1");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode echo = answer.json();
        assertThat(echo.get("path").asText()).isEqualTo(gitlab.apiPath("/projects/7/issues"));
        assertThat(echo.get("query").has("organization_id")).isFalse();
        assertThat(echo.get("query").get("state").asText()).isEqualTo("opened");
        JsonNode headers = echo.get("headers");
        assertThat(headers.get("authorization").asText()).isEqualTo("Bearer " + providerToken);
        assertThat(headers.has("cookie")).isFalse();
        assertThat(headers.has("x-forwarded-for")).isFalse();
        assertThat(headers.get("x-custom").asText()).isEqualTo("kept");
        assertThat(answer.header("X-RateLimit-Remaining")).isEqualTo("4999");
        assertThat(answer.header("Link")).contains("rel=\"next\"");
        assertThat(answer.header("Set-Cookie")).isNull();
        assertThat(answer.header("Authorization")).isNull();
        assertThat(answer.header("WWW-Authenticate")).isNull();
    }

    @Test
    void theGatehouseConnectionHeaderNamesTheConnection() {
        String org = connectedOrganization();
        String connection = admin.get("/api/v1/connections?organization_id=" + org).json().get("data").get(0).get("id").asText();
        Http.Response answer = call(nodeA, "DELETE", "/proxy/gitlab/projects/7", "Gatehouse-Connection", connection);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("method").asText()).isEqualTo("DELETE");
        assertThat(call(nodeA, "GET", "/proxy/gitlab/user", "Gatehouse-Connection", "00000000-0000-4000-8000-000000000000")
                .status()).isEqualTo(404);
    }

    @Test
    void aRefusedTokenIsRenewedOnceAndTheCallRetriedOnce() throws Exception {
        String org = connectedOrganization();
        renewedLongAgo(org);
        int refreshes = gitlab.refreshes();
        int calls = gitlab.apiCalls();
        gitlab.refuseNextApiCalls(1);
        Http.Response answer = call(nodeA, "GET", "/proxy/gitlab/projects?organization_id=" + org);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(gitlab.refreshes()).isEqualTo(refreshes + 1);
        assertThat(gitlab.apiCalls()).isEqualTo(calls + 2);

        gitlab.refuseNextApiCalls(5);
        renewedLongAgo(org);
        Http.Response refused = call(nodeA, "PUT", "/proxy/gitlab/projects/1?organization_id=" + org);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(gitlab.refreshes()).isEqualTo(refreshes + 2);
        assertThat(gitlab.apiCalls()).as("retried exactly once").isEqualTo(calls + 4);

        // Renewed moments ago and refused again: refused for another reason, so not renewed again.
        gitlab.refuseNextApiCalls(1);
        assertThat(call(nodeA, "GET", "/proxy/gitlab/projects?organization_id=" + org).status()).isEqualTo(401);
        assertThat(gitlab.refreshes()).isEqualTo(refreshes + 2);
        gitlab.refuseNextApiCalls(0);
    }

    @Test
    void aProvidersAnswerIsSandboxedAndKeepsNoPageHeadersOfItsOwn() {
        String org = connectedOrganization();
        Http.Response answer = call(nodeA, "GET", "/proxy/gitlab/projects?organization_id=" + org);
        assertThat(answer.header("Content-Security-Policy")).isEqualTo("sandbox; default-src 'none'");
        assertThat(answer.header("X-Frame-Options")).isEqualTo("DENY");
    }

    private static void renewedLongAgo(String org) throws Exception {
        try (var db = DriverManager.getConnection(database)) {
            db.createStatement().execute("UPDATE vault_credentials SET last_refreshed_at = now() - interval '10 minutes'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
    }

    @Test
    void aPostIsNeverRetried() {
        String org = connectedOrganization();
        int refreshes = gitlab.refreshes();
        int calls = gitlab.apiCalls();
        gitlab.refuseNextApiCalls(1);
        Http.Response answer = call(nodeA, "POST", "/proxy/gitlab/projects/1/issues?organization_id=" + org);
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().get("message").asText()).isEqualTo("401 Unauthorized");
        assertThat(gitlab.refreshes()).isEqualTo(refreshes);
        assertThat(gitlab.apiCalls()).isEqualTo(calls + 1);
        assertThat(call(nodeA, "POST", "/proxy/gitlab/projects/1/issues?organization_id=" + org).status()).isEqualTo(201);
    }

    @Test
    void aTenMegabyteAnswerStreamsBeforeTheProviderHasFinishedIt() throws Exception {
        String org = connectedOrganization();
        long size = 10L * 1024 * 1024;
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(nodeA.baseUrl() + "/proxy/gitlab/stream/" + size
                        + "?organization_id=" + org)).header("Authorization", "Bearer " + serviceToken)
                .timeout(Duration.ofSeconds(20)).build();
        // The fake holds back everything after its first chunk until released: an answer buffered
        // whole would never start.
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (InputStream body = response.body()) {
            byte[] start = body.readNBytes(64 * 1024);
            assertThat(start).hasSize(64 * 1024);
            gitlab.releaseStream();
            long total = start.length;
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = body.read(buffer)) >= 0) {
                total += read;
            }
            assertThat(total).isEqualTo(size);
        }
    }

    @Test
    void aRequestBodyOverTenMebibytesIs413AndNeverSent() {
        String org = connectedOrganization();
        int calls = gitlab.apiCalls();
        Http.Response answer = Http.anonymous(nodeA.baseUrl()).send("POST", "/proxy/gitlab/projects?organization_id=" + org,
                "application/octet-stream", "x".repeat(10 * 1024 * 1024 + 1), "Authorization", "Bearer " + serviceToken);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().get("error").asText()).isEqualTo("payload_too_large");
        assertThat(gitlab.apiCalls()).isEqualTo(calls);
    }

    @Test
    void pathsThatClimbOutOfTheApiAreRefused() throws Exception {
        String org = connectedOrganization();
        int calls = gitlab.apiCalls();
        for (String path : List.of("/proxy/gitlab/../../oauth/status", "/proxy/gitlab/%2e%2e/%2e%2e/x",
                "/proxy/gitlab/projects/..%2f..%2fx", "/proxy/gitlab/a%2fb", "/proxy/gitlab/a%5c..%5cb",
                "/proxy/gitlab/a/%00", "/proxy/gitlab/./x", "/proxy/gitlab/%252e%252e/x", "/proxy/gitlab/a/..;x/b")) {
            String status = rawRequest("GET " + path + "?organization_id=" + org + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + serviceToken + "\r\nConnection: close\r\n\r\n");
            assertThat(status).as(path).matches("HTTP/1.1 (400|404) .*");
        }
        assertThat(gitlab.apiCalls()).isEqualTo(calls);
    }

    @Test
    void aCallerSuppliedHostIsIgnored() throws Exception {
        String org = connectedOrganization();
        int calls = gitlab.apiCalls();
        String status = rawRequest("GET /proxy/gitlab/projects?organization_id=" + org + " HTTP/1.1\r\nHost: evil.example\r\n"
                + "X-Forwarded-Host: evil.example\r\nAuthorization: Bearer " + serviceToken + "\r\nConnection: close\r\n\r\n");
        assertThat(status).startsWith("HTTP/1.1 200");
        assertThat(gitlab.apiCalls()).isEqualTo(calls + 1);
        Http.Response atSign = call(nodeA, "GET", "/proxy/gitlab/@evil.example/x?organization_id=" + org);
        assertThat(atSign.status()).isEqualTo(200);
        assertThat(atSign.json().get("path").asText()).isEqualTo(gitlab.apiPath("/@evil.example/x"));
    }

    @Test
    void onlyInternalServicesAndAdminsMayCall() {
        String org = connectedOrganization();
        String path = "/proxy/gitlab/user?organization_id=" + org;
        assertThat(Http.anonymous(nodeA.baseUrl()).get(path).status()).isEqualTo(401);
        assertThat(Http.anonymous(nodeA.baseUrl()).get(path, "Authorization", "Bearer fo_at_unknown").status()).isEqualTo(401);
        Http.Response noScope = Http.anonymous(nodeA.baseUrl()).get(path, "Authorization", "Bearer " + serviceToken(""));
        assertThat(noScope.status()).isEqualTo(403);
        Http.Response session = admin.get(path);
        assertThat(session.status()).as("a platform admin's browser session: no cookies at the proxy").isEqualTo(403);
        assertThat(orgAdminSession(org).get(path).status()).as("the organization's own admin").isEqualTo(403);
        assertThat(call(nodeA, "GET", "/proxy/gitlab/user?organization_id=" + Fixtures.unique("x")).status()).isEqualTo(400);
        assertThat(call(nodeA, "GET", "/proxy/gitlab/user?organization_id=00000000-0000-4000-8000-000000000000").status())
                .isEqualTo(404);
        assertThat(call(nodeA, "GET", "/proxy/nowhere/user?organization_id=" + org).status()).isEqualTo(404);
        assertThat(call(nodeA, "GET", "/proxy/gitlab/user?organization_id=" + org + "&site_id=x").status()).isEqualTo(400);
    }

    @Test
    void everyCallIsAuditedWithoutQueryValues() {
        String org = connectedOrganization();
        assertThat(call(nodeA, "GET", "/proxy/gitlab/projects/9?private_token=leak&organization_id=" + org).status())
                .isEqualTo(200);
        JsonNode entries = admin.get("/api/v1/audit-logs?action=connection.proxied&organization_id=" + org).json().get("data");
        assertThat(entries).hasSize(1);
        JsonNode details = entries.get(0).get("details");
        assertThat(details.get("method").asText()).isEqualTo("GET");
        assertThat(details.get("path").asText()).isEqualTo("/projects/9");
        assertThat(details.get("status").asInt()).isEqualTo(200);
        assertThat(details.has("duration_ms")).isTrue();
        assertThat(entries.toString()).doesNotContain("leak");
    }

    @Test
    void twoNodesSpendOneRateLimitPerConnection() {
        String org = connectedOrganization();
        for (int i = 0; i < LIMIT; i++) {
            TestServer node = i % 2 == 0 ? nodeA : nodeB;
            assertThat(call(node, "GET", "/proxy/gitlab/user?organization_id=" + org).status()).isEqualTo(200);
        }
        Http.Response limited = call(nodeB, "GET", "/proxy/gitlab/user?organization_id=" + org);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isNotNull();
        String other = connectedOrganization();
        assertThat(call(nodeA, "GET", "/proxy/gitlab/user?organization_id=" + other).status()).as("per connection").isEqualTo(200);
    }

    @Test
    void twoNodesRenewAnExpiringTokenOnce() throws Exception {
        String org = connectedOrganization();
        try (var db = DriverManager.getConnection(database)) {
            db.createStatement().execute("UPDATE vault_credentials SET expires_at = now() + interval '1 minute'"
                    + " WHERE id IN (SELECT credential_id FROM connections WHERE organization_id = '" + org + "')");
        }
        int refreshes = gitlab.refreshes();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                TestServer node = i % 2 == 0 ? nodeA : nodeB;
                Callable<Integer> call = () -> call(node, "GET", "/proxy/gitlab/user?organization_id=" + org).status();
                calls.add(pool.submit(call));
            }
            for (Future<Integer> call : calls) {
                assertThat(call.get()).isEqualTo(200);
            }
        }
        assertThat(gitlab.refreshes()).isEqualTo(refreshes + 1);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static Http.Response call(TestServer node, String method, String path, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + serviceToken;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return Http.anonymous(node.baseUrl()).send(method, path, method.equals("GET") || method.equals("DELETE") ? null
                : "application/json", method.equals("GET") || method.equals("DELETE") ? null : "{\"title\":\"t\"}", all);
    }

    private static String connectedOrganization() {
        String org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))).text("id");
        Http.Response started = ConnectPage.start(admin, "gitlab", "organization_id=" + org);
        Http.Response consented = Http.anonymous().get(started.location());
        Http.Response callback = admin.get(consented.location());
        assertThat(callback.status()).as(callback.body()).isEqualTo(200);
        return org;
    }

    private static String serviceToken(String scope) {
        String owner = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Services"))).text("id");
        Map<String, Object> body = Fixtures.appBody(owner, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", scope));
        Http.Response created = admin.postJson("/api/v1/oauth/clients", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Http.Response token = Http.anonymous(nodeA.baseUrl()).postForm("/oauth/token", Http.form("grant_type",
                "client_credentials"), "Authorization", Http.basic(created.text("client_id"), created.text("client_secret")));
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        return token.text("access_token");
    }

    /** A browser session of a person who administers {@code org} (and is no platform admin). */
    private static Http orgAdminSession(String org) {
        String username = Fixtures.unique("owner") + "@example.test";
        String password = "pw-" + Fixtures.unique("secret");
        assertThat(Http.anonymous(nodeA.baseUrl()).postJson("/api/v1/users", Map.of("username", username, "password", password,
                "name", "Owner")).status()).isEqualTo(201);
        assertThat(admin.postJson("/api/v1/orgs/" + org + "/members", Map.of("username", username, "role", "admin"))
                .status()).isEqualTo(201);
        Http session = Http.browser(nodeA.baseUrl());
        var login = session.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        return session.csrf(login.text("csrf_token"));
    }

    /** The status line of a request written byte for byte, so no client normalizes its path. */
    private static String rawRequest(String request) throws Exception {
        URI base = URI.create(nodeA.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.lines().findFirst().orElse("");
        }
    }
}
