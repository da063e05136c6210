package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.FakeProvider;
import gatehouse.web.Json;
import java.io.IOException;
import java.net.URI;
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
 * every request of that grant type that reached the token endpoint, failed or not (read from the
 * request log).
 * Time comes from the clock given to the constructor, so a test's MutableClock drives code TTLs,
 * leeway and token expiry.
 */
public final class FakeAtlassian extends FakeProvider {
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

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, RefreshToken> refreshTokens = new HashMap<>();
    private final Map<String, AccessToken> accessTokens = new HashMap<>();
    private final Set<String> revokedRefreshTokens = new LinkedHashSet<>();
    private volatile List<Site> sites = List.of(Site.named("acme"));
    private volatile boolean denyConsent;
    private volatile Duration leeway = Duration.ZERO;
    private volatile boolean unauthorizedClientShape;
    private final Map<String, Integer> presentations = new HashMap<>();

    public FakeAtlassian(Clock clock) {
        this.clock = clock;
    }

    // ---- configuration a test reads or flips ----

    /** The Gatehouse settings that configure Jira against this fake. */
    public Map<String, String> gatehouseSettings() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GATEHOUSE_JIRA_CLIENT_ID", CLIENT_ID);
        env.put("GATEHOUSE_JIRA_CLIENT_SECRET", CLIENT_SECRET);
        env.put("GATEHOUSE_JIRA_SCOPES", String.join(" ", SCOPES));
        env.put("GATEHOUSE_JIRA_AUTH_URL", url());
        env.put("GATEHOUSE_JIRA_API_URL", url());
        env.put("GATEHOUSE_VAULT_ALLOW_HTTP", "true");
        return env;
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
    public void answer500(int times) {
        failNext(times, 500);
    }

    /** The next {@code times} token/API requests answer 429 with {@code Retry-After: retryAfterSeconds}. */
    public void answer429(int times, long retryAfterSeconds) {
        rateLimitNext(times, retryAfterSeconds);
    }

    /**
     * The next {@code times} token/API requests wait {@code duration}, then drop the connection
     * without processing anything (no code spent, no token rotated). Past the client's 10 s
     * timeout that is a timeout; shorter, a broken connection. {@link #recover} or {@link #close}
     * ends a stall.
     */
    public void stall(int times, Duration duration) {
        hangNext(times, duration);
    }

    /** Ends the switches above (and {@link #failAfterRefresh}). */
    public void recover() {
        heal();
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
        return tokenRequests("refresh_token");
    }

    /** Code-exchange requests that reached the token endpoint, whatever they were answered. */
    public int exchangeCalls() {
        return tokenRequests("authorization_code");
    }

    private int tokenRequests(String grantType) {
        return (int) requests().stream()
                .filter(request -> request.is("POST", "/oauth/token") && grantType.equals(field(json(request), "grant_type")))
                .count();
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
        Map<String, String> query = params(authorizeUrl.getRawQuery());
        String problem = authorizeProblem(query);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return issueCode(query);
    }

    // ---- HTTP ----

    @Override
    protected Reply answer(Request request) {
        if (request.is("GET", "/authorize")) {
            return authorize(request);
        }
        Reply failed = armedFailure(request.path());
        if (failed != null) {
            return failed;
        }
        Matcher myself = MYSELF.matcher(request.path());
        if (request.is("POST", "/oauth/token")) {
            return token(json(request));
        } else if (request.is("GET", "/oauth/token/accessible-resources")) {
            return accessibleResources(request);
        } else if (request.method().equals("GET") && myself.matches()) {
            return myself(request, myself.group(1));
        }
        return Reply.json(404, Map.of("code", 404, "message", "Not Found"));
    }

    @Override
    protected Reply serverError(int status) {
        return Reply.json(status, Map.of("code", status, "message", "Internal Server Error"));
    }

    @Override
    protected Reply rateLimited(long retryAfterSeconds) {
        return Reply.json(429, Map.of("code", 429, "message", "Rate limit exceeded"))
                .with("Retry-After", Long.toString(retryAfterSeconds));
    }

    @Override
    protected Reply badGateway() {
        return text(502, "<html>Bad Gateway</html>");
    }

    /** The body of a token request when it is JSON (the only kind Atlassian reads), else null. */
    private static JsonNode json(Request request) {
        String type = request.header("Content-Type");
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(request.body());
        } catch (IOException e) {
            return null;
        }
    }

    private Reply authorize(Request request) {
        Map<String, String> query = request.query();
        String problem = authorizeProblem(query);
        if (problem != null) {
            return text(400, problem);
        }
        String redirect = denyConsent
                ? query.get("redirect_uri") + "?error=access_denied&error_description=" + encode("User denied access")
                : query.get("redirect_uri") + "?code=" + encode(issueCode(query));
        String state = query.get("state");
        if (state != null) {
            redirect += "&state=" + encode(state);
        }
        return Reply.redirect(redirect);
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

    private Reply token(JsonNode json) {
        if (json == null || !json.isObject()) {
            return Reply.json(400, error("invalid_request", "The request body must be a JSON object (Content-Type: application/json)"));
        }
        String clientId = field(json, "client_id");
        if (!CLIENT_ID.equals(clientId)) {
            return Reply.json(401, error("invalid_client", "Unknown client"));
        }
        if (!CLIENT_SECRET.equals(field(json, "client_secret"))) {
            return Reply.json(401, error("access_denied", "Unauthorized"));
        }
        String grantType = field(json, "grant_type");
        if ("authorization_code".equals(grantType)) {
            return exchangeCode(json);
        } else if ("refresh_token".equals(grantType)) {
            return refresh(field(json, "refresh_token"));
        }
        return Reply.json(400, error("unsupported_grant_type", "Unsupported grant type"));
    }

    private Reply exchangeCode(JsonNode json) {
        Map<String, Object> answer;
        synchronized (this) {
            Code code = codes.remove(field(json, "code")); // single use, whatever the outcome
            boolean valid = code != null
                    && code.clientId().equals(field(json, "client_id"))
                    && code.redirectUri().equals(field(json, "redirect_uri"))
                    && clock.instant().isBefore(code.issuedAt().plus(CODE_TTL));
            answer = valid ? issueTokens(new Grant(code.sites(), code.scopes())) : null;
        }
        return answer == null ? Reply.json(403, error("invalid_grant", "Invalid authorization code")) : Reply.json(200, answer);
    }

    /** Rotate the pair on the next refreshes, then answer 502 instead of the new pair (the answer is lost). */
    public void failAfterRefresh(boolean on) {
        afterRefresh(on ? AfterRefresh.FAIL_502 : AfterRefresh.ANSWER);
    }

    /** How often the most presented refresh token was presented (1 = never twice). */
    public synchronized int maxRefreshTokenPresentations() {
        return presentations.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private Reply refresh(String presented) {
        Map<String, Object> answer;
        synchronized (this) {
            if (presented != null) {
                presentations.merge(presented, 1, Integer::sum);
            }
            RefreshToken token = presented == null ? null : refreshTokens.get(presented);
            answer = token != null && usable(token) ? rotate(token) : null;
        }
        if (answer != null) {
            return afterRefresh(Reply.json(200, answer));
        } else if (unauthorizedClientShape) {
            return Reply.json(403, error("unauthorized_client", "refresh_token is invalid"));
        }
        return Reply.json(403, error("invalid_grant", "Unknown or invalid refresh token."));
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

    private Reply accessibleResources(Request request) {
        Grant grant = grantOfBearer(request);
        if (grant == null) {
            return Reply.json(401, Map.of("code", 401, "message", "Unauthorized"));
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
        return Reply.json(200, list);
    }

    private Reply myself(Request request, String cloudId) {
        Grant grant = grantOfBearer(request);
        if (grant == null || !grant.covers(cloudId)) {
            return Reply.json(401, Map.of("code", 401, "message", "Unauthorized; scope does not match"));
        }
        return Reply.json(200, Map.of("accountId", grant.accountId, "displayName", "Fake User", "active", true));
    }

    private synchronized Grant grantOfBearer(Request request) {
        String bearer = request.bearer();
        AccessToken token = bearer == null ? null : accessTokens.get(bearer);
        return token != null && isLive(token) ? token.grant() : null;
    }

    private boolean isLive(AccessToken token) {
        return !token.grant().revoked && clock.instant().isBefore(token.expiresAt());
    }

    // ---- helpers ----

    private static Map<String, Object> error(String error, String description) {
        return Map.of("error", error, "error_description", description);
    }

    private static Reply text(int status, String text) {
        return Reply.text(status, "text/plain; charset=utf-8", text);
    }

    private static String field(JsonNode json, String name) {
        JsonNode value = json == null ? null : json.get(name);
        return value == null || !value.isTextual() ? null : value.asText();
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
