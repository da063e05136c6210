package gatehouse.vault;

import gatehouse.testing.FakeProvider;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slack's OAuth v2 as docs/vault-providers.md, "Slack" describes it, small enough to read: the authorize page
 * (approves at once and redirects back), {@code oauth.v2.access} (Basic or body client
 * credentials; single-use codes bound to the redirect URI, 10 minutes; with rotation on,
 * {@code expires_in} + single-use refresh tokens), {@code auth.revoke}, {@code auth.test}. Every
 * answer is HTTP 200 with {@code ok}, except rate limiting (429 + Retry-After). Switches let a test
 * make {@code oauth.v2.access} fail ({@link #failing}, {@link #rateLimited}, {@link #afterRefresh});
 * counters let it see what Gatehouse did.
 */
public final class FakeSlack extends FakeProvider {
    static final String CLIENT_ID = "1234.5678";
    static final String CLIENT_SECRET = "slack-client-secret";
    /** The workspace the next installation is in (tests set one of their own). */
    volatile String teamId = "T9TK3CUKW";

    private record Code(String redirectUri, long expiresAtMillis) {
    }

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
    /** Answer the code exchange as an org-wide Enterprise Grid install (no team, the enterprise instead). */
    volatile boolean enterpriseInstall;
    volatile String enterpriseId = "E12345678";
    /** A workspace install names its Enterprise Grid (the workspace belongs to one). */
    volatile boolean workspaceInGrid;
    /** Milliseconds a refresh takes (to let concurrent lookups pile up). */
    volatile long refreshDelayMillis;
    private final Map<String, AtomicInteger> presented = new ConcurrentHashMap<>();

    /** How often the most presented refresh token was presented to oauth.v2.access (1 = never twice). */
    int maxRefreshTokenPresentations() {
        return presented.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    }

    /** Answer token calls with HTTP 500 while on. */
    void failing(boolean on) {
        if (on) {
            failNext(Integer.MAX_VALUE, 500);
        } else {
            heal();
        }
    }

    /** Answer token calls with 429 (Retry-After: 1) while on. */
    void rateLimited(boolean on) {
        if (on) {
            rateLimitNext(Integer.MAX_VALUE, 1);
        } else {
            heal();
        }
    }

    @Override
    protected Reply answer(Request request) {
        return switch (request.path()) {
            case "/oauth/v2/authorize" -> authorize(request);
            case "/api/oauth.v2.access" -> access(request);
            case "/api/auth.revoke" -> revoke(request);
            case "/api/auth.test" -> test(request);
            default -> Reply.text(404, "text/plain", "Not Found");
        };
    }

    @Override
    protected Reply serverError(int status) {
        return Reply.text(status, Reply.JSON, "<html>internal error</html>");
    }

    @Override
    protected Reply rateLimited(long retryAfterSeconds) {
        return Reply.json(429, Map.of("ok", false, "error", "ratelimited"))
                .with("Retry-After", Long.toString(retryAfterSeconds));
    }

    @Override
    protected Reply badGateway() {
        return Reply.text(502, Reply.JSON, "<html>Bad Gateway</html>");
    }

    /** The Gatehouse settings that point at this fake. */
    public Map<String, String> settings() {
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

    private Reply authorize(Request request) {
        Map<String, String> query = request.query();
        if (!CLIENT_ID.equals(query.get("client_id")) || query.get("redirect_uri") == null) {
            return Reply.text(400, Reply.JSON, "{\"ok\":false,\"error\":\"invalid_client_id\"}");
        }
        String code = "code-" + counter.incrementAndGet();
        codes.put(code, new Code(query.get("redirect_uri"), System.currentTimeMillis() + 600_000));
        return Reply.redirect(query.get("redirect_uri") + "?code=" + code + "&state="
                + URLEncoder.encode(query.get("state") == null ? "" : query.get("state"), StandardCharsets.UTF_8));
    }

    private Reply access(Request request) {
        Map<String, String> form = params(request.body());
        Reply failed = armedFailure(request.path());
        if (failed != null) {
            return failed;
        }
        if (!clientAuthenticated(request, form)) {
            return ok(Map.of("ok", false, "error", "bad_client_secret"));
        }
        if ("refresh_token".equals(form.get("grant_type"))) {
            refreshes.incrementAndGet();
            presented.computeIfAbsent(String.valueOf(form.get("refresh_token")), t -> new AtomicInteger()).incrementAndGet();
            sleep(refreshDelayMillis);
            if (!liveRefreshTokens.remove(String.valueOf(form.get("refresh_token")))) {
                return ok(Map.of("ok", false, "error", "invalid_refresh_token"));
            }
            Map<String, Object> body = tokens();
            body.put("team", Map.of("id", teamId, "name", "Acme"));
            body.put("enterprise", null);
            return afterRefresh(ok(body));
        }
        exchanges.incrementAndGet();
        Code code = codes.remove(String.valueOf(form.get("code")));
        if (code == null || code.expiresAtMillis() < System.currentTimeMillis()) {
            return ok(Map.of("ok", false, "error", "invalid_code"));
        }
        if (!code.redirectUri().equals(form.get("redirect_uri"))) {
            return ok(Map.of("ok", false, "error", "bad_redirect_uri"));
        }
        Map<String, Object> body = tokens();
        body.put("app_id", "A0KRD7HC3");
        body.put("team", enterpriseInstall ? null : Map.of("id", teamId, "name", "Acme"));
        body.put("enterprise", enterpriseInstall || workspaceInGrid ? Map.of("id", enterpriseId, "name", "Acme Grid") : null);
        body.put("is_enterprise_install", enterpriseInstall);
        body.put("authed_user", Map.of("id", "U1234"));
        return ok(body);
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

    /** Slack revokes every access token it issued (a workspace admin revoked the app's tokens). */
    void revokeAccessTokens() {
        liveAccessTokens.clear();
    }

    private Reply revoke(Request request) {
        String token = request.bearer();
        if (token == null || !liveAccessTokens.remove(token)) {
            return ok(Map.of("ok", false, "error", "invalid_auth"));
        }
        revoked.add(token);
        return ok(Map.of("ok", true, "revoked", true));
    }

    private Reply test(Request request) {
        String token = request.bearer();
        return ok(token != null && liveAccessTokens.contains(token)
                ? Map.of("ok", true, "team_id", teamId, "team", "Acme")
                : Map.of("ok", false, "error", "invalid_auth"));
    }

    private static boolean clientAuthenticated(Request request, Map<String, String> form) {
        String header = request.header("Authorization");
        if (header != null && header.startsWith("Basic ")) {
            String pair = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
            return pair.equals(CLIENT_ID + ":" + CLIENT_SECRET);
        }
        return CLIENT_ID.equals(form.get("client_id")) && CLIENT_SECRET.equals(form.get("client_secret"));
    }

    private static Reply ok(Map<String, ?> body) {
        return Reply.json(200, body);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
