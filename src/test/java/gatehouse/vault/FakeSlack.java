package gatehouse.vault;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import gatehouse.web.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slack's OAuth v2 as docs/vault-providers.md, "Slack" describes it, small enough to read: the authorize page
 * (approves at once and redirects back), {@code oauth.v2.access} (Basic or body client
 * credentials; single-use codes bound to the redirect URI, 10 minutes; with rotation on,
 * {@code expires_in} + single-use refresh tokens), {@code auth.revoke}, {@code auth.test}. Every
 * answer is HTTP 200 with {@code ok}, except rate limiting (429 + Retry-After). Switches let a test
 * make it fail; counters let it see what Gatehouse did.
 */
final class FakeSlack implements AutoCloseable {
    static final String CLIENT_ID = "1234.5678";
    static final String CLIENT_SECRET = "slack-client-secret";
    /** The workspace the next installation is in (tests set one of their own). */
    volatile String teamId = "T9TK3CUKW";

    private record Code(String redirectUri, long expiresAtMillis) {
    }

    private final HttpServer server;
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Set<String> liveRefreshTokens = ConcurrentHashMap.newKeySet();
    private final Set<String> liveAccessTokens = ConcurrentHashMap.newKeySet();
    private final List<String> revoked = new CopyOnWriteArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();
    final AtomicInteger exchanges = new AtomicInteger();
    final AtomicInteger refreshes = new AtomicInteger();
    /** Rotation on: tokens expire (after {@link #expiresIn} seconds) and come with refresh tokens. */
    volatile boolean rotation = true;
    volatile long expiresIn = 43_200;
    /** Answer token calls with HTTP 500 / 429 while set. */
    volatile boolean failing;
    volatile boolean rateLimited;
    /** Answer the code exchange as an org-wide Enterprise Grid install (no team, the enterprise instead). */
    volatile boolean enterpriseInstall;
    volatile String enterpriseId = "E12345678";
    /** A workspace install names its Enterprise Grid (the workspace belongs to one). */
    volatile boolean workspaceInGrid;
    /** Milliseconds a refresh takes (to let concurrent lookups pile up). */
    volatile long refreshDelayMillis;
    /**
     * What a refresh does once it has rotated the pair (the old refresh token is dead): "answer",
     * "502" (Bad Gateway instead of the new pair) or "hang" (30 s of silence, past any client timeout).
     */
    volatile String afterRefresh = "answer";
    private final Map<String, AtomicInteger> presented = new ConcurrentHashMap<>();

    /** How often the most presented refresh token was presented to oauth.v2.access (1 = never twice). */
    int maxRefreshTokenPresentations() {
        return presented.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    }

    FakeSlack() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/oauth/v2/authorize", this::authorize);
        server.createContext("/api/oauth.v2.access", this::access);
        server.createContext("/api/auth.revoke", this::revoke);
        server.createContext("/api/auth.test", this::test);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The Gatehouse settings that point at this fake. */
    Map<String, String> settings() {
        return Map.of("GATEHOUSE_SLACK_CLIENT_ID", CLIENT_ID, "GATEHOUSE_SLACK_CLIENT_SECRET", CLIENT_SECRET,
                "GATEHOUSE_SLACK_WEB_URL", url(), "GATEHOUSE_SLACK_API_URL", url() + "/api",
                "GATEHOUSE_VAULT_ALLOW_HTTP", "true");
    }

    List<String> revoked() {
        return List.copyOf(revoked);
    }

    /** Kills every refresh token handed out so far (the user removed the app, say). */
    void revokeAllRefreshTokens() {
        liveRefreshTokens.clear();
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = parse(exchange.getRequestURI().getRawQuery());
        if (!CLIENT_ID.equals(query.get("client_id")) || query.get("redirect_uri") == null) {
            send(exchange, 400, "{\"ok\":false,\"error\":\"invalid_client_id\"}");
            return;
        }
        String code = "code-" + counter.incrementAndGet();
        codes.put(code, new Code(query.get("redirect_uri"), System.currentTimeMillis() + 600_000));
        exchange.getResponseHeaders().add("Location", query.get("redirect_uri") + "?code=" + code + "&state="
                + URLEncoderUtf8.encode(query.get("state")));
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private void access(HttpExchange exchange) throws IOException {
        Map<String, String> form = parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (rateLimited) {
            exchange.getResponseHeaders().add("Retry-After", "1");
            send(exchange, 429, "{\"ok\":false,\"error\":\"ratelimited\"}");
            return;
        }
        if (failing) {
            send(exchange, 500, "<html>internal error</html>");
            return;
        }
        if (!clientAuthenticated(exchange, form)) {
            ok(exchange, Map.of("ok", false, "error", "bad_client_secret"));
            return;
        }
        if ("refresh_token".equals(form.get("grant_type"))) {
            refreshes.incrementAndGet();
            presented.computeIfAbsent(String.valueOf(form.get("refresh_token")), t -> new AtomicInteger()).incrementAndGet();
            sleep(refreshDelayMillis);
            if (!liveRefreshTokens.remove(String.valueOf(form.get("refresh_token")))) {
                ok(exchange, Map.of("ok", false, "error", "invalid_refresh_token"));
                return;
            }
            Map<String, Object> body = tokens();
            body.put("team", Map.of("id", teamId, "name", "Acme"));
            body.put("enterprise", null);
            switch (afterRefresh) {
                case "502" -> send(exchange, 502, "<html>Bad Gateway</html>");
                case "hang" -> {
                    sleep(30_000);
                    exchange.close();
                }
                default -> ok(exchange, body);
            }
            return;
        }
        exchanges.incrementAndGet();
        Code code = codes.remove(String.valueOf(form.get("code")));
        if (code == null || code.expiresAtMillis() < System.currentTimeMillis()) {
            ok(exchange, Map.of("ok", false, "error", "invalid_code"));
            return;
        }
        if (!code.redirectUri().equals(form.get("redirect_uri"))) {
            ok(exchange, Map.of("ok", false, "error", "bad_redirect_uri"));
            return;
        }
        Map<String, Object> body = tokens();
        body.put("app_id", "A0KRD7HC3");
        body.put("team", enterpriseInstall ? null : Map.of("id", teamId, "name", "Acme"));
        body.put("enterprise", enterpriseInstall || workspaceInGrid ? Map.of("id", enterpriseId, "name", "Acme Grid") : null);
        body.put("is_enterprise_install", enterpriseInstall);
        body.put("authed_user", Map.of("id", "U1234"));
        ok(exchange, body);
    }

    /** A bot token (and, with rotation, its expiry and refresh token). */
    private Map<String, Object> tokens() {
        int n = counter.incrementAndGet();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", true);
        String access = (rotation ? "xoxe.xoxb-1-" : "xoxb-1-") + n;
        liveAccessTokens.add(access);
        body.put("access_token", access);
        body.put("token_type", "bot");
        body.put("scope", "chat:write,channels:read");
        body.put("bot_user_id", "U0KRQLJ9H");
        if (rotation) {
            String refresh = "xoxe-1-refresh-" + n;
            liveRefreshTokens.add(refresh);
            body.put("expires_in", expiresIn);
            body.put("refresh_token", refresh);
        }
        return body;
    }

    private void revoke(HttpExchange exchange) throws IOException {
        String token = bearer(exchange);
        if (token == null || !liveAccessTokens.remove(token)) {
            ok(exchange, Map.of("ok", false, "error", "invalid_auth"));
            return;
        }
        revoked.add(token);
        ok(exchange, Map.of("ok", true, "revoked", true));
    }

    private void test(HttpExchange exchange) throws IOException {
        String token = bearer(exchange);
        ok(exchange, token != null && liveAccessTokens.contains(token)
                ? Map.of("ok", true, "team_id", teamId, "team", "Acme")
                : Map.of("ok", false, "error", "invalid_auth"));
    }

    private static boolean clientAuthenticated(HttpExchange exchange, Map<String, String> form) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.startsWith("Basic ")) {
            String pair = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
            return pair.equals(CLIENT_ID + ":" + CLIENT_SECRET);
        }
        return CLIENT_ID.equals(form.get("client_id")) && CLIENT_SECRET.equals(form.get("client_secret"));
    }

    private static String bearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
    }

    private static Map<String, String> parse(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            values.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static void ok(HttpExchange exchange, Map<String, ?> body) throws IOException {
        send(exchange, 200, Json.writeString(body));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class URLEncoderUtf8 {
        static String encode(String value) {
            return java.net.URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
