package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import gatehouse.web.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Atlassian (auth.atlassian.com and api.atlassian.com on one local port), written from
 * docs/vault-providers.md, "Jira" rather than from {@link JiraPlatform}: use {@link #url()} as both the auth and
 * the API URL, or take {@link #settings()}.
 *
 * <p>What it does, strictly: {@code GET /authorize} consents at once (302 to the redirect URI with
 * {@code code} and {@code state}, or {@code error=access_denied} after {@link #denyConsent}); the
 * JSON-only {@code POST /oauth/token} takes single-use codes (10 minutes, bound to client and
 * redirect URI) and rotating single-use refresh tokens (reuse tolerated within {@link #leeway},
 * default 0; reuse past it revokes the whole grant), answers {@code expires_in: 3600} and a
 * refresh token only when {@code offline_access} was granted, and refuses with Atlassian's
 * {@code 403 invalid_grant} shapes; {@code GET /oauth/token/accessible-resources} lists the sites
 * of the token's grant in a shuffled order; {@code GET /ex/jira/{cloudid}/rest/api/3/myself}
 * answers only when the token's grant covers that cloud ID. A grant's sites are those set with
 * {@link #sites} when the user consented.
 *
 * <p>Switches ({@link #answer500}, {@link #answer429}, {@link #stall}) hit the token and API
 * endpoints (not /authorize) for the next N requests, then the fake recovers by itself; {@link
 * #recover} ends them early. Counters: {@link #refreshCalls()} and {@link #exchangeCalls()} count
 * every request of that grant type that reached the token endpoint, failed or not.
 * Time comes from the clock given to the constructor, so a test's MutableClock drives code TTLs,
 * leeway and token expiry.
 */
public final class FakeAtlassian implements AutoCloseable {
    public static final String CLIENT_ID = "fake-jira-client";
    public static final String CLIENT_SECRET = "fake-jira-secret";
    public static final List<String> SCOPES = List.of("read:jira-work", "read:jira-user", "offline_access");
    public static final int EXPIRES_IN = 3600;
    static final Duration CODE_TTL = Duration.ofMinutes(10);
    static final Duration REFRESH_IDLE_EXPIRY = Duration.ofDays(90);
    private static final Pattern MYSELF = Pattern.compile("/ex/jira/([^/]+)/rest/api/3/myself");

    /** A Jira site as accessible-resources lists it; {@code id} is its cloud ID. */
    public record Site(String id, String url, String name) {
        public static Site named(String name) {
            return new Site(UUID.randomUUID().toString(), "https://" + name + ".atlassian.net", name);
        }
    }

    private static final class Grant {
        final String accountId = "5b10" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        final List<Site> sites;
        final List<String> scopes;
        final List<String> refreshTokens = new ArrayList<>();
        boolean revoked;

        Grant(List<Site> sites, List<String> scopes) {
            this.sites = List.copyOf(sites);
            this.scopes = List.copyOf(scopes);
        }

        boolean covers(String cloudId) {
            return sites.stream().anyMatch(site -> site.id().equals(cloudId));
        }
    }

    private record Code(String clientId, String redirectUri, List<String> scopes, List<Site> sites, Instant issuedAt) {
    }

    private static final class RefreshToken {
        final Grant grant;
        final Instant issuedAt;
        Instant spentAt;
        boolean revoked;

        RefreshToken(Grant grant, Instant issuedAt) {
            this.grant = grant;
            this.issuedAt = issuedAt;
        }
    }

    private record AccessToken(Grant grant, Instant expiresAt) {
    }

    private enum Failure { SERVER_ERROR, RATE_LIMITED, STALL }

    private final Clock clock;
    private final HttpServer server;
    private final SecureRandom random = new SecureRandom();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, RefreshToken> refreshTokens = new HashMap<>();
    private final Map<String, AccessToken> accessTokens = new HashMap<>();
    private final Set<String> revokedRefreshTokens = new LinkedHashSet<>();
    private final AtomicInteger refreshCalls = new AtomicInteger();
    private final AtomicInteger exchangeCalls = new AtomicInteger();
    private volatile List<Site> sites = List.of(Site.named("acme"));
    private volatile boolean denyConsent;
    private volatile Duration leeway = Duration.ZERO;
    private volatile boolean unauthorizedClientShape;
    private Failure failure;
    private int failuresLeft;
    private long retryAfterSeconds;
    private Duration stallFor = Duration.ZERO;
    private volatile boolean failAfterRefresh;
    private final Map<String, Integer> presentations = new HashMap<>();

    public FakeAtlassian(Clock clock) {
        this.clock = clock;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    // ---- configuration a test reads or flips ----

    /** The base URL for both the auth and the API host. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Settings that point a {@link JiraPlatform} at this fake with the right client credentials. */
    public PlatformSettings.Jira settings() {
        return new PlatformSettings.Jira(CLIENT_ID, CLIENT_SECRET, SCOPES, url(), url());
    }

    /** The sites the next consent grants (0, 1 or several); existing grants keep theirs. */
    public void sites(Site... sites) {
        this.sites = List.of(sites);
    }

    /** Makes the user refuse at /authorize ({@code error=access_denied} on the callback). */
    public void denyConsent(boolean deny) {
        this.denyConsent = deny;
    }

    /** How long a spent refresh token may still be used (Atlassian: 10 minutes; default 0). */
    public void leeway(Duration leeway) {
        this.leeway = leeway;
    }

    /** Answer dead refresh tokens with the observed {@code 403 unauthorized_client} shape instead. */
    public void answerDeadRefreshTokensAsUnauthorizedClient(boolean on) {
        this.unauthorizedClientShape = on;
    }

    /** The next {@code times} token/API requests answer 500 (Integer.MAX_VALUE: until {@link #recover}). */
    public synchronized void answer500(int times) {
        arm(Failure.SERVER_ERROR, times);
    }

    /** The next {@code times} token/API requests answer 429 with {@code Retry-After: retryAfterSeconds}. */
    public synchronized void answer429(int times, long retryAfterSeconds) {
        arm(Failure.RATE_LIMITED, times);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * The next {@code times} token/API requests wait {@code duration}, then drop the connection
     * without processing anything (no code spent, no token rotated). Past the client's 10 s
     * timeout that is a timeout; shorter, a broken connection. {@link #close} ends a stall.
     */
    public synchronized void stall(int times, Duration duration) {
        arm(Failure.STALL, times);
        this.stallFor = duration;
    }

    public synchronized void recover() {
        failure = null;
        failuresLeft = 0;
    }

    /** The user removes the app at id.atlassian.com: every token of the grant that {@code token} belongs to dies. */
    public synchronized void revokeGrantOf(String refreshOrAccessToken) {
        RefreshToken refresh = refreshTokens.get(refreshOrAccessToken);
        AccessToken access = accessTokens.get(refreshOrAccessToken);
        Grant grant = refresh != null ? refresh.grant : access != null ? access.grant() : null;
        if (grant == null) {
            throw new IllegalArgumentException("no such token");
        }
        revokeFamily(grant);
    }

    /** Kills one refresh token, as its 90-day inactivity expiry would. */
    public synchronized void revokeRefreshToken(String refreshToken) {
        RefreshToken token = refreshTokens.get(refreshToken);
        if (token == null) {
            throw new IllegalArgumentException("no such refresh token");
        }
        token.revoked = true;
        revokedRefreshTokens.add(refreshToken);
    }

    // ---- counters ----

    /** Refresh-grant requests that reached the token endpoint, whatever they were answered. */
    public int refreshCalls() {
        return refreshCalls.get();
    }

    /** Code-exchange requests that reached the token endpoint, whatever they were answered. */
    public int exchangeCalls() {
        return exchangeCalls.get();
    }

    /** Refresh tokens killed by revocation (family revocation on reuse, or the switches above). */
    public synchronized Set<String> revokedRefreshTokens() {
        return Set.copyOf(revokedRefreshTokens);
    }

    /** Whether this access token is accepted for that site right now. */
    public synchronized boolean accessTokenWorksFor(String accessToken, String cloudId) {
        AccessToken token = accessTokens.get(accessToken);
        return token != null && isLive(token) && token.grant().covers(cloudId);
    }

    /**
     * The user consents on the page at {@code authorizeUrl} (as {@code GET /authorize} does) and
     * the code the callback would carry comes back; for tests that skip the browser.
     */
    public String consent(URI authorizeUrl) {
        Map<String, String> query = query(authorizeUrl.getRawQuery());
        String problem = authorizeProblem(query);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return issueCode(query);
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (method.equals("GET") && path.equals("/authorize")) {
                authorize(exchange);
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean tokenEndpoint = method.equals("POST") && path.equals("/oauth/token");
            JsonNode json = tokenEndpoint ? countGrant(exchange, body) : null;
            if (injectFailure(exchange)) {
                return;
            }
            Matcher myself = MYSELF.matcher(path);
            if (tokenEndpoint) {
                token(exchange, json);
            } else if (method.equals("GET") && path.equals("/oauth/token/accessible-resources")) {
                accessibleResources(exchange);
            } else if (method.equals("GET") && myself.matches()) {
                myself(exchange, myself.group(1));
            } else {
                send(exchange, 404, Map.of("code", 404, "message", "Not Found"));
            }
        } catch (IOException e) {
            // the client went away (a timeout); nothing to answer
        }
    }

    /** Reads the token request and counts its grant type before any switch can fail it. */
    private JsonNode countGrant(HttpExchange exchange, byte[] body) {
        JsonNode json = null;
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && type.toLowerCase().startsWith("application/json")) {
            try {
                json = Json.MAPPER.readTree(body);
            } catch (IOException e) {
                json = null;
            }
        }
        String grantType = field(json, "grant_type");
        if ("refresh_token".equals(grantType)) {
            refreshCalls.incrementAndGet();
        } else if ("authorization_code".equals(grantType)) {
            exchangeCalls.incrementAndGet();
        }
        return json;
    }

    /** Applies an armed switch; true when it answered (or dropped) the request. */
    private boolean injectFailure(HttpExchange exchange) throws IOException {
        Failure armed;
        long retryAfter;
        Duration stall;
        synchronized (this) {
            if (failure == null || failuresLeft <= 0) {
                return false;
            }
            armed = failure;
            retryAfter = retryAfterSeconds;
            stall = stallFor;
            if (failuresLeft != Integer.MAX_VALUE && --failuresLeft == 0) {
                failure = null;
            }
        }
        switch (armed) {
            case SERVER_ERROR -> send(exchange, 500, Map.of("code", 500, "message", "Internal Server Error"));
            case RATE_LIMITED -> {
                exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfter));
                send(exchange, 429, Map.of("code", 429, "message", "Rate limit exceeded"));
            }
            case STALL -> {
                try {
                    closed.await(stall.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                // closing without a response drops the connection
            }
        }
        return true;
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String problem = authorizeProblem(query);
        if (problem != null) {
            sendText(exchange, 400, problem);
            return;
        }
        String redirect = denyConsent
                ? query.get("redirect_uri") + "?error=access_denied&error_description=" + encode("User denied access")
                : query.get("redirect_uri") + "?code=" + encode(issueCode(query));
        String state = query.get("state");
        if (state != null) {
            redirect += "&state=" + encode(state);
        }
        exchange.getResponseHeaders().set("Location", redirect);
        exchange.sendResponseHeaders(302, -1);
    }

    /** Why Atlassian's consent page would refuse this request, or null. */
    private static String authorizeProblem(Map<String, String> query) {
        if (!"api.atlassian.com".equals(query.get("audience"))) {
            return "audience must be api.atlassian.com";
        }
        if (!CLIENT_ID.equals(query.get("client_id"))) {
            return "unknown client_id";
        }
        if (!"code".equals(query.get("response_type"))) {
            return "response_type must be code";
        }
        String redirectUri = query.get("redirect_uri");
        if (redirectUri == null || !redirectUri.startsWith("http")) {
            return "redirect_uri is required";
        }
        String scope = query.get("scope");
        if (scope == null || scope.isBlank()) {
            return "scope is required";
        }
        return null;
    }

    private synchronized String issueCode(Map<String, String> query) {
        String code = "fake-code-" + randomToken(24);
        List<String> scopes = Arrays.stream(query.get("scope").trim().split("\\s+")).toList();
        codes.put(code, new Code(query.get("client_id"), query.get("redirect_uri"), scopes, sites, clock.instant()));
        return code;
    }

    private void token(HttpExchange exchange, JsonNode json) throws IOException {
        if (json == null || !json.isObject()) {
            send(exchange, 400, error("invalid_request", "The request body must be a JSON object (Content-Type: application/json)"));
            return;
        }
        String clientId = field(json, "client_id");
        if (!CLIENT_ID.equals(clientId)) {
            send(exchange, 401, error("invalid_client", "Unknown client"));
            return;
        }
        if (!CLIENT_SECRET.equals(field(json, "client_secret"))) {
            send(exchange, 401, error("access_denied", "Unauthorized"));
            return;
        }
        String grantType = field(json, "grant_type");
        if ("authorization_code".equals(grantType)) {
            exchangeCode(exchange, json);
        } else if ("refresh_token".equals(grantType)) {
            refresh(exchange, field(json, "refresh_token"));
        } else {
            send(exchange, 400, error("unsupported_grant_type", "Unsupported grant type"));
        }
    }

    private void exchangeCode(HttpExchange exchange, JsonNode json) throws IOException {
        Map<String, Object> answer;
        synchronized (this) {
            Code code = codes.remove(field(json, "code")); // single use, whatever the outcome
            boolean valid = code != null
                    && code.clientId().equals(field(json, "client_id"))
                    && code.redirectUri().equals(field(json, "redirect_uri"))
                    && clock.instant().isBefore(code.issuedAt().plus(CODE_TTL));
            answer = valid ? issueTokens(new Grant(code.sites(), code.scopes())) : null;
        }
        if (answer == null) {
            send(exchange, 403, error("invalid_grant", "Invalid authorization code"));
        } else {
            send(exchange, 200, answer);
        }
    }

    /** Rotate the pair on the next refreshes, then answer 502 instead of the new pair (the answer is lost). */
    public void failAfterRefresh(boolean on) {
        failAfterRefresh = on;
    }

    /** How often the most presented refresh token was presented (1 = never twice). */
    public synchronized int maxRefreshTokenPresentations() {
        return presentations.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private void refresh(HttpExchange exchange, String presented) throws IOException {
        Map<String, Object> answer;
        synchronized (this) {
            if (presented != null) {
                presentations.merge(presented, 1, Integer::sum);
            }
            RefreshToken token = presented == null ? null : refreshTokens.get(presented);
            answer = token != null && usable(token) ? rotate(token) : null;
        }
        if (answer != null && failAfterRefresh) {
            sendText(exchange, 502, "<html>Bad Gateway</html>");
        } else if (answer != null) {
            send(exchange, 200, answer);
        } else if (unauthorizedClientShape) {
            send(exchange, 403, error("unauthorized_client", "refresh_token is invalid"));
        } else {
            send(exchange, 403, error("invalid_grant", "Unknown or invalid refresh token."));
        }
    }

    /** Atlassian's rotation rules; reusing a spent token past the leeway revokes the whole grant. */
    private boolean usable(RefreshToken token) {
        Instant now = clock.instant();
        if (token.revoked || token.grant.revoked || now.isAfter(token.issuedAt.plus(REFRESH_IDLE_EXPIRY))) {
            return false;
        }
        // Tolerated strictly inside the leeway, so with leeway 0 a spent token is dead at once.
        if (token.spentAt != null && !now.isBefore(token.spentAt.plus(leeway))) {
            revokeFamily(token.grant);
            return false;
        }
        return true;
    }

    private Map<String, Object> rotate(RefreshToken token) {
        if (token.spentAt == null) {
            token.spentAt = clock.instant();
        }
        return issueTokens(token.grant);
    }

    private Map<String, Object> issueTokens(Grant grant) {
        Instant now = clock.instant();
        String accessToken = "eyJfake." + randomToken(48);
        accessTokens.put(accessToken, new AccessToken(grant, now.plusSeconds(EXPIRES_IN)));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", accessToken);
        answer.put("expires_in", EXPIRES_IN);
        answer.put("token_type", "Bearer");
        answer.put("scope", String.join(" ", grant.scopes));
        if (grant.scopes.contains("offline_access")) {
            String refreshToken = "eyJfakeRefresh." + randomToken(48);
            refreshTokens.put(refreshToken, new RefreshToken(grant, now));
            grant.refreshTokens.add(refreshToken);
            answer.put("refresh_token", refreshToken);
        }
        return answer;
    }

    private void revokeFamily(Grant grant) {
        grant.revoked = true;
        for (String refreshToken : grant.refreshTokens) {
            refreshTokens.get(refreshToken).revoked = true;
            revokedRefreshTokens.add(refreshToken);
        }
    }

    private void accessibleResources(HttpExchange exchange) throws IOException {
        Grant grant = grantOfBearer(exchange);
        if (grant == null) {
            send(exchange, 401, Map.of("code", 401, "message", "Unauthorized"));
            return;
        }
        List<Map<String, Object>> list = new ArrayList<>();
        List<String> siteScopes = grant.scopes.stream().filter(s -> !s.equals("offline_access")).toList();
        for (Site site : grant.sites) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", site.id());
            entry.put("url", site.url());
            entry.put("name", site.name());
            entry.put("scopes", siteScopes);
            entry.put("avatarUrl", "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png");
            list.add(entry);
        }
        Collections.shuffle(list, random); // the order means nothing
        send(exchange, 200, list);
    }

    private void myself(HttpExchange exchange, String cloudId) throws IOException {
        Grant grant = grantOfBearer(exchange);
        if (grant == null || !grant.covers(cloudId)) {
            send(exchange, 401, Map.of("code", 401, "message", "Unauthorized; scope does not match"));
            return;
        }
        send(exchange, 200, Map.of("accountId", grant.accountId, "displayName", "Fake User", "active", true));
    }

    private synchronized Grant grantOfBearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return null;
        }
        AccessToken token = accessTokens.get(header.substring("Bearer ".length()));
        return token != null && isLive(token) ? token.grant() : null;
    }

    private boolean isLive(AccessToken token) {
        return !token.grant().revoked && clock.instant().isBefore(token.expiresAt());
    }

    // ---- helpers ----

    private void arm(Failure kind, int times) {
        failure = kind;
        failuresLeft = times;
    }

    private static Map<String, Object> error(String error, String description) {
        return Map.of("error", error, "error_description", description);
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.write(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void sendText(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String field(JsonNode json, String name) {
        JsonNode value = json == null ? null : json.get(name);
        return value == null || !value.isTextual() ? null : value.asText();
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            String[] parts = pair.split("=", 2);
            query.putIfAbsent(decode(parts[0]), parts.length == 2 ? decode(parts[1]) : "");
        }
        return query;
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    /** Spaces as %20, so any callback parser (form-style or URI-style) reads the same state back. */
    private static String encode(String value) {
        return ProviderHttp.encode(value).replace("+", "%20");
    }

    private String randomToken(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }
}
