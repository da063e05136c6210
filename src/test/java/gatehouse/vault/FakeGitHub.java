package gatehouse.vault;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.testing.FakeProvider;
import gatehouse.web.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A fake GitHub, written from the providers' documented behaviour (docs/vault-providers.md, "GitHub"),
 * not from Gatehouse's code, on one loopback server ({@link FakeProvider}): the browser pages and
 * OAuth token endpoint under {@link #webUrl()}, REST under {@link #apiUrl()} ({@code …/api/v3}, as on
 * GitHub Enterprise, so a client mixing the two fails).
 *
 * <p>It knows one OAuth client ({@link #CLIENT_ID}/{@link #CLIENT_SECRET}, callback set with
 * {@link #registerCallback}) and one GitHub App ({@link #APP_ID}, {@link #APP_SLUG}, key pair from
 * {@link #appPrivateKeyPkcs1Pem()}). Like GitHub it answers token errors with status 200, form-encoded
 * unless {@code Accept: application/json}; codes are single use, 10 minutes, bound to client and
 * redirect URI (and PKCE challenge); classic tokens never expire, {@link #expiringUserTokens} makes
 * the client a GitHub App's ({@code ghu_} + rotating {@code ghr_} that die on second use); app JWTs
 * are verified (signature, iss, iat, exp window); requests without User-Agent get 403.
 *
 * <p>Browser steps without a browser: {@link #approve(URI)} and {@link #install(URI)} take the URL a
 * provider built and return the callback's query parameters; a real HTTP GET of those URLs answers
 * 302 to the callback / Setup URL instead. Switches: {@link #failNext}, {@link #failNextOn}, {@link #rateLimitNext},
 * {@link #exhaustRateLimitNext}, {@link #hangNext}, {@link #afterRefresh} (all API and token
 * calls; {@link #heal()} ends them), {@link #revokeRefreshToken}, {@link #revokeAccessToken},
 * {@link #suspendInstallation}, {@link #deleteInstallation}. Counters: {@link #codeExchanges()}, {@link #refreshCalls()},
 * {@link #installationTokensMinted()}, {@link #revokedTokens()}, {@link #uninstalled()}. The fake
 * reads time from the {@link Clock} it was given, so a test's clock can expire codes and tokens.
 */
public final class FakeGitHub extends FakeProvider {
    public static final String CLIENT_ID = "Ov23liFakeClient";
    public static final String CLIENT_SECRET = "fake-client-secret-0123456789";
    public static final String APP_ID = "424242";
    public static final String APP_CLIENT_ID = "Iv23liFakeApp";
    /** The GitHub App's own OAuth client secret (user authorization during installation). */
    public static final String APP_CLIENT_SECRET = "fake-app-client-secret-9876543210";
    public static final String APP_SLUG = "gatehouse-test";
    public static final long USER_ID = 1;
    public static final String USER_LOGIN = "octocat";

    private static final Duration CODE_TTL = Duration.ofMinutes(10);
    private static final Duration USER_TOKEN_TTL = Duration.ofHours(8);
    private static final Duration INSTALLATION_TOKEN_TTL = Duration.ofHours(1);
    private static final long REFRESH_TOKEN_TTL_SECONDS = 15_811_200;
    private static final KeyPair APP_KEYS = generateRsaKeys();

    /** An account on the fake: a user or an organization. */
    public record Account(long id, String login, String type) {
    }

    private record Code(String clientId, String redirectUri, String codeChallenge, Account user, String scope, Instant issuedAt) {
    }

    private record Token(String value, String clientId, Account user, long installationId, String scope, Instant expiresAt) {
        boolean activeAt(Instant now) {
            return expiresAt == null || now.isBefore(expiresAt);
        }
    }

    private record Refresh(String clientId, Account user, String scope, String accessToken) {
    }

    private static final class Installation {
        final long id;
        final Account account;
        /** The users who can reach it (GET /user/installations lists it for them). */
        final Set<Long> users = ConcurrentHashMap.newKeySet();
        volatile boolean suspended;
        volatile boolean deleted;

        Installation(long id, Account account) {
            this.id = id;
            this.account = account;
        }
    }

    private final Clock clock;
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Refresh> refreshTokens = new ConcurrentHashMap<>();
    private final Map<Long, Installation> installations = new ConcurrentHashMap<>();
    private final Map<Long, List<Account>> orgsByUser = new ConcurrentHashMap<>();
    private final AtomicInteger installationIds = new AtomicInteger(12_345_678);
    private final AtomicInteger codeExchanges = new AtomicInteger();
    private final AtomicInteger refreshCalls = new AtomicInteger();
    private final AtomicInteger installationTokensMinted = new AtomicInteger();
    private final List<String> revokedTokens = new CopyOnWriteArrayList<>();
    private final List<Long> uninstalled = new CopyOnWriteArrayList<>();
    private volatile String callbackUrl;
    private volatile String setupUrl;
    private volatile boolean expiringUserTokens;
    private volatile boolean expiresInAsString;
    private volatile boolean installRequestsOnly;
    private volatile boolean userAuthorizationOnInstall = true;
    private final Map<String, AtomicInteger> refreshPresentations = new ConcurrentHashMap<>();
    private volatile Account signedIn = new Account(USER_ID, USER_LOGIN, "User");
    private volatile Account installTarget;

    private FakeGitHub(Clock clock) {
        this.clock = clock;
    }

    private final java.util.concurrent.atomic.AtomicInteger repositoryCalls = new java.util.concurrent.atomic.AtomicInteger();

    public static FakeGitHub start() {
        return new FakeGitHub(Clock.systemUTC());
    }

    /** A fake reading time from {@code clock} (share the provider's clock to expire codes and tokens). */
    public static FakeGitHub start(Clock clock) {
        return new FakeGitHub(clock);
    }

    // ---- where it is and how to configure a provider for it -------------------------------------------

    public String webUrl() {
        return url();
    }

    public String apiUrl() {
        return webUrl() + "/api/v3";
    }

    public PlatformSettings.GitHubOAuth oauthSettings(List<String> scopes) {
        return new PlatformSettings.GitHubOAuth(CLIENT_ID, CLIENT_SECRET, scopes, webUrl(), apiUrl());
    }

    public PlatformSettings.GitHubApp appSettings() {
        return appSettings(APP_ID, appPrivateKeyPkcs1Pem());
    }

    /** The GitHub App's settings with another app ID or key (to test misconfiguration). */
    public PlatformSettings.GitHubApp appSettings(String appId, String privateKeyPem) {
        return new PlatformSettings.GitHubApp(appId, APP_SLUG, privateKeyPem, APP_CLIENT_ID, APP_CLIENT_SECRET, webUrl(),
                apiUrl());
    }

    /** The Gatehouse settings that configure both GitHub flavours against this fake. */
    public Map<String, String> gatehouseSettings() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GATEHOUSE_GITHUB_CLIENT_ID", CLIENT_ID);
        env.put("GATEHOUSE_GITHUB_CLIENT_SECRET", CLIENT_SECRET);
        env.put("GATEHOUSE_GITHUB_APP_ID", APP_ID);
        env.put("GATEHOUSE_GITHUB_APP_SLUG", APP_SLUG);
        env.put("GATEHOUSE_GITHUB_APP_PRIVATE_KEY", appPrivateKeyPkcs1Pem());
        env.put("GATEHOUSE_GITHUB_APP_CLIENT_ID", APP_CLIENT_ID);
        env.put("GATEHOUSE_GITHUB_APP_CLIENT_SECRET", APP_CLIENT_SECRET);
        env.put("GATEHOUSE_GITHUB_WEB_URL", webUrl());
        env.put("GATEHOUSE_GITHUB_API_URL", apiUrl());
        env.put("GATEHOUSE_VAULT_ALLOW_HTTP", "true");
        return env;
    }

    /** The app's key as GitHub hands it out: {@code BEGIN RSA PRIVATE KEY}. */
    public static String appPrivateKeyPkcs1Pem() {
        return pem("RSA PRIVATE KEY", pkcs1(APP_KEYS.getPrivate().getEncoded()));
    }

    /** The same key converted to PKCS#8 ({@code openssl pkcs8 -topk8 -nocrypt}). */
    public static String appPrivateKeyPkcs8Pem() {
        return pem("PRIVATE KEY", APP_KEYS.getPrivate().getEncoded());
    }

    /** The OAuth client's registered callback URL; redirect URIs must be on its host and port, at or below its path. */
    public FakeGitHub registerCallback(String url) {
        this.callbackUrl = url;
        return this;
    }

    /** The GitHub App's Setup URL, where {@code /apps/{slug}/installations/new} sends the browser back. */
    public FakeGitHub registerSetupUrl(String url) {
        this.setupUrl = url;
        return this;
    }

    /** Answer like a GitHub App's client: expiring {@code ghu_} tokens with rotating {@code ghr_} refresh tokens. */
    public FakeGitHub expiringUserTokens(boolean on) {
        this.expiringUserTokens = on;
        return this;
    }

    /** Send {@code expires_in} as a JSON string ({@code "28800"}), as GitHub's 2020 examples do. */
    public FakeGitHub expiresInAsString(boolean on) {
        this.expiresInAsString = on;
        return this;
    }

    // ---- accounts and installations --------------------------------------------------------------------

    /** The user whose browser approves the next authorizations and installations. */
    public FakeGitHub signIn(long id, String login) {
        this.signedIn = new Account(id, login, "User");
        return this;
    }

    public FakeGitHub addOrganization(long userId, long orgId, String login) {
        orgsByUser.computeIfAbsent(userId, id -> new CopyOnWriteArrayList<>()).add(new Account(orgId, login, "Organization"));
        return this;
    }

    /** The account the next browser installation picks (default: the signed-in user). */
    public FakeGitHub installOn(long accountId, String login, String type) {
        this.installTarget = new Account(accountId, login, type);
        return this;
    }

    /**
     * With "Request user authorization (OAuth) during installation" on (the default here, and what
     * Gatehouse requires), installing sends the browser to the registered callback URL with a
     * {@code code} of the App's own client; off, to the Setup URL with only the installation ID.
     */
    public FakeGitHub userAuthorizationOnInstall(boolean on) {
        this.userAuthorizationOnInstall = on;
        return this;
    }

    /** How often the most presented refresh token was presented (1 = never twice). */
    public int maxRefreshTokenPresentations() {
        return refreshPresentations.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    }

    /** Installations come back as {@code setup_action=request} without an installation ID (a non-owner asked). */
    public FakeGitHub installRequestsOnly(boolean on) {
        this.installRequestsOnly = on;
        return this;
    }

    /** An installation made outside a browser flow (reachable by {@code userIds}); returns its ID. */
    public long addInstallation(long accountId, String login, String type, long... userIds) {
        Installation installation = installationFor(new Account(accountId, login, type));
        for (long user : userIds) {
            installation.users.add(user);
        }
        return installation.id;
    }

    /** The installation ID of the app on {@code accountId} (made on first install). */
    public synchronized long installationIdFor(long accountId) {
        return installations.values().stream().filter(i -> i.account.id() == accountId).findFirst().orElseThrow().id;
    }

    public void suspendInstallation(long id) {
        installations.get(id).suspended = true;
    }

    /** The account owner uninstalled the app. */
    public void deleteInstallation(long id) {
        installations.get(id).deleted = true;
    }

    // ---- browser steps -----------------------------------------------------------------------------------

    /** The signed-in user approves {@code authorizeUrl}; returns the callback's query parameters. */
    public Map<String, String> approve(URI authorizeUrl) {
        return query(authorize(query(authorizeUrl)));
    }

    /** The signed-in user installs the app from {@code installUrl}; returns the Setup URL's query parameters. */
    public Map<String, String> install(URI installUrl) {
        return query(installPage(installUrl.getPath(), query(installUrl)));
    }

    // ---- switches ----------------------------------------------------------------------------------------

    // failNext, failNextOn, rateLimitNext, hangNext, afterRefresh and heal come from FakeProvider; failNextOn
    // takes the path as GitHub.com spells it: /user, /login/oauth/access_token,
    // /app/installations/12345679/access_tokens (REST paths without the /api/v3 prefix).

    /** The next {@code times} calls answer 403 with {@code x-ratelimit-remaining: 0} and a reset that far ahead. */
    public void exhaustRateLimitNext(int times, long resetInSeconds) {
        failNext(times, null, () -> restError(403, "API rate limit exceeded")
                .with("x-ratelimit-limit", "5000").with("x-ratelimit-remaining", "0")
                .with("x-ratelimit-reset", Long.toString(clock.instant().getEpochSecond() + resetInSeconds)));
    }

    /** The user or GitHub revoked this refresh token (it answers {@code bad_refresh_token} from now on). */
    public void revokeRefreshToken(String refreshToken) {
        refreshTokens.remove(refreshToken);
    }

    public void revokeAccessToken(String accessToken) {
        tokens.remove(accessToken);
    }

    // ---- counters ----------------------------------------------------------------------------------------

    public int codeExchanges() {
        return codeExchanges.get();
    }

    /** Refresh-token grants received, successful or not. */
    public int refreshCalls() {
        return refreshCalls.get();
    }

    /** Calls that reached /repos/{owner}/{repo}/issues or /pulls with an installation token. */
    public int repositoryCalls() {
        return repositoryCalls.get();
    }

    public int installationTokensMinted() {
        return installationTokensMinted.get();
    }

    /** Access tokens revoked through {@code DELETE /applications/{client_id}/token} or {@code …/grant}. */
    public List<String> revokedTokens() {
        return List.copyOf(revokedTokens);
    }

    /** Installations deleted through {@code DELETE /app/installations/{id}}. */
    public List<Long> uninstalled() {
        return List.copyOf(uninstalled);
    }

    /** Whether GitHub would accept this access or installation token right now. */
    public boolean isActiveToken(String token) {
        Token found = tokens.get(token);
        return found != null && found.activeAt(clock.instant());
    }

    // ---- HTTP --------------------------------------------------------------------------------------------

    @Override
    protected Reply serverError(int status) {
        return restError(status, "Server Error");
    }

    @Override
    protected Reply rateLimited(long retryAfterSeconds) {
        return restError(429, "You have exceeded a secondary rate limit.").with("Retry-After", Long.toString(retryAfterSeconds));
    }

    @Override
    protected Reply answer(Request request) {
        String path = request.path();
        try {
            if (request.method().equals("GET") && path.equals("/login/oauth/authorize")) {
                return Reply.redirect(authorize(request.query()).toString());
            }
            if (request.method().equals("GET") && path.matches("/apps/[^/]+/installations/new")) {
                return Reply.redirect(installPage(path, request.query()).toString());
            }
        } catch (IllegalArgumentException e) {
            // GitHub shows an error page and sends the browser nowhere.
            return new Reply(400, "text/plain; charset=utf-8", e.getMessage(), Map.of());
        }
        if (request.header("User-Agent") == null) {
            return restError(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header");
        }
        Reply failed = armedFailure(path.startsWith("/api/v3/") ? path.substring("/api/v3".length()) : path);
        if (failed != null) {
            return failed;
        }
        if (request.method().equals("POST") && path.equals("/login/oauth/access_token")) {
            return tokenEndpoint(request);
        }
        if (!path.startsWith("/api/v3/")) {
            return restError(404, "Not Found");
        }
        return api(request, path.substring("/api/v3".length()));
    }

    // ---- browser pages -----------------------------------------------------------------------------------

    private URI authorize(Map<String, String> params) {
        String callback = callbackUrl;
        if (!CLIENT_ID.equals(params.get("client_id")) || callback == null) {
            throw new IllegalArgumentException("unknown client_id or no callback registered (registerCallback)");
        }
        String redirectUri = params.get("redirect_uri");
        String state = params.get("state");
        if (redirectUri != null && !redirectAllowed(redirectUri)) {
            return withQuery(callback, Map.of("error", "redirect_uri_mismatch",
                    "error_description", "The redirect_uri MUST match the registered callback URL for this application.",
                    "state", state == null ? "" : state));
        }
        String challenge = params.get("code_challenge");
        if (challenge != null && !"S256".equals(params.get("code_challenge_method"))) {
            throw new IllegalArgumentException("code_challenge_method must be S256");
        }
        String code = randomToken("");
        codes.put(code, new Code(CLIENT_ID, redirectUri, challenge, signedIn, params.getOrDefault("scope", ""), clock.instant()));
        Map<String, String> callbackParams = new LinkedHashMap<>();
        callbackParams.put("code", code);
        if (state != null) {
            callbackParams.put("state", state);
        }
        return withQuery(redirectUri != null ? redirectUri : callback, callbackParams);
    }

    private URI installPage(String path, Map<String, String> params) {
        if (!path.equals("/apps/" + APP_SLUG + "/installations/new") || setupUrl == null && callbackUrl == null) {
            throw new IllegalArgumentException("unknown app slug or no Setup URL / callback registered");
        }
        Map<String, String> callbackParams = new LinkedHashMap<>();
        if (installRequestsOnly) {
            callbackParams.put("setup_action", "request");
        } else {
            Account target = installTarget != null ? installTarget : signedIn;
            boolean existed = installations.values().stream().anyMatch(i -> !i.deleted && i.account.equals(target));
            Installation installation = installationFor(target);
            installation.users.add(signedIn.id());
            callbackParams.put("installation_id", Long.toString(installation.id));
            callbackParams.put("setup_action", existed ? "update" : "install");
        }
        String back = setupUrl;
        if (userAuthorizationOnInstall && callbackUrl != null) {
            // The Setup URL is disabled; the browser goes to the callback URL with a user code.
            back = callbackUrl;
            String code = randomToken("");
            codes.put(code, new Code(APP_CLIENT_ID, back, null, signedIn, "", clock.instant()));
            Map<String, String> withCode = new LinkedHashMap<>();
            withCode.put("code", code);
            withCode.putAll(callbackParams);
            callbackParams = withCode;
        }
        if (params.get("state") != null) {
            callbackParams.put("state", params.get("state"));
        }
        return withQuery(back, callbackParams);
    }

    private synchronized Installation installationFor(Account account) {
        for (Installation installation : installations.values()) {
            if (!installation.deleted && installation.account.equals(account)) {
                return installation;
            }
        }
        Installation created = new Installation(installationIds.incrementAndGet(), account);
        installations.put(created.id, created);
        return created;
    }

    /** GitHub's rule: same host and port as the registered callback, path equal to it or below it. */
    private boolean redirectAllowed(String redirectUri) {
        URI registered = URI.create(callbackUrl);
        URI candidate = URI.create(redirectUri);
        String base = registered.getPath();
        return registered.getScheme().equals(candidate.getScheme()) && registered.getHost().equals(candidate.getHost())
                && registered.getPort() == candidate.getPort()
                && (candidate.getPath().equals(base) || candidate.getPath().startsWith(base.endsWith("/") ? base : base + "/"));
    }

    // ---- token endpoint ----------------------------------------------------------------------------------

    private Reply tokenEndpoint(Request request) {
        boolean json = request.header("Accept") != null && request.header("Accept").contains("application/json");
        String clientId = request.param("client_id");
        String secret = clientId == null ? null : secretOf(clientId);
        if (secret == null || !secret.equals(request.param("client_secret"))) {
            return tokenError(json, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
        }
        if ("refresh_token".equals(request.param("grant_type"))) {
            return afterRefresh(refreshGrant(json, clientId, request.param("refresh_token")));
        }
        return codeGrant(json, clientId, request);
    }

    private Reply codeGrant(boolean json, String clientId, Request request) {
        codeExchanges.incrementAndGet();
        Code code = request.param("code") == null ? null : codes.remove(request.param("code"));
        if (code == null || !code.clientId().equals(clientId) || clock.instant().isAfter(code.issuedAt().plus(CODE_TTL))) {
            return tokenError(json, "bad_verification_code", "The code passed is incorrect or expired.");
        }
        String redirectUri = request.param("redirect_uri");
        boolean redirectMismatch = code.redirectUri() != null
                ? !code.redirectUri().equals(redirectUri)
                : redirectUri != null && !redirectAllowed(redirectUri);
        if (redirectMismatch) {
            return tokenError(json, "redirect_uri_mismatch",
                    "The redirect_uri MUST match the registered callback URL for this application.");
        }
        if (code.codeChallenge() != null && !code.codeChallenge().equals(s256(request.param("code_verifier")))) {
            return tokenError(json, "bad_verification_code", "The code_verifier does not match the code_challenge.");
        }
        return issueUserToken(json, clientId, code.user(), grantedScope(code.scope()));
    }

    private synchronized Reply refreshGrant(boolean json, String clientId, String refreshToken) {
        refreshCalls.incrementAndGet();
        if (refreshToken != null) {
            refreshPresentations.computeIfAbsent(refreshToken, t -> new AtomicInteger()).incrementAndGet();
        }
        Refresh refresh = refreshToken == null ? null : refreshTokens.get(refreshToken);
        if (refresh == null || !refresh.clientId().equals(clientId)) {
            return tokenError(json, "bad_refresh_token", "The refresh token passed is incorrect or expired.");
        }
        refreshTokens.remove(refreshToken);
        // No grace period: the old access token dies with its refresh token.
        tokens.remove(refresh.accessToken());
        return issueUserToken(json, clientId, refresh.user(), refresh.scope());
    }

    private Reply issueUserToken(boolean json, String clientId, Account user, String scope) {
        Map<String, String> fields = new LinkedHashMap<>();
        // A GitHub App's user tokens expire (the default for new apps); an OAuth App's do not.
        if (expiringUserTokens || APP_CLIENT_ID.equals(clientId)) {
            String access = randomToken("ghu_");
            String refresh = randomToken("ghr_");
            tokens.put(access, new Token(access, clientId, user, 0, scope, clock.instant().plus(USER_TOKEN_TTL)));
            refreshTokens.put(refresh, new Refresh(clientId, user, scope, access));
            fields.put("access_token", access);
            fields.put("expires_in", Long.toString(USER_TOKEN_TTL.toSeconds()));
            fields.put("refresh_token", refresh);
            fields.put("refresh_token_expires_in", Long.toString(REFRESH_TOKEN_TTL_SECONDS));
            fields.put("scope", "");
        } else {
            String access = randomToken("gho_");
            tokens.put(access, new Token(access, clientId, user, 0, scope, null));
            fields.put("access_token", access);
            fields.put("scope", scope);
        }
        fields.put("token_type", "bearer");
        return tokenAnswer(json, fields);
    }

    /** Requested space-separated, granted comma-separated. */
    private static String grantedScope(String requested) {
        return String.join(",", requested.isBlank() ? List.of() : List.of(requested.strip().split("\\s+")));
    }

    private Reply tokenError(boolean json, String error, String description) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("error", error);
        fields.put("error_description", description);
        fields.put("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#"
                + error.replace('_', '-'));
        return tokenAnswer(json, fields); // status 200, like GitHub
    }

    private Reply tokenAnswer(boolean json, Map<String, String> fields) {
        if (!json) {
            String body = fields.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return new Reply(200, "application/x-www-form-urlencoded; charset=utf-8", body, Map.of());
        }
        ObjectNode node = Json.MAPPER.createObjectNode();
        fields.forEach((name, value) -> {
            boolean number = name.endsWith("expires_in") && !expiresInAsString;
            if (number) {
                node.put(name, Long.parseLong(value));
            } else {
                node.put(name, value);
            }
        });
        return Reply.json(200, node);
    }

    // ---- REST --------------------------------------------------------------------------------------------

    private Reply api(Request request, String path) {
        String method = request.method();
        if (path.startsWith("/app")) {
            if (path.equals("/app") || path.startsWith("/app/")) {
                Reply refused = refuseAppJwt(request.bearer());
                return refused != null ? refused : appApi(method, path);
            }
        }
        if (path.startsWith("/applications/")) {
            return applicationsApi(request, path);
        }
        Token token = request.bearer() == null ? null : tokens.get(request.bearer());
        if (token == null || !token.activeAt(clock.instant())) {
            return restError(401, "Bad credentials");
        }
        if (method.equals("GET") && path.equals("/user") && token.user() != null) {
            Account user = token.user();
            ObjectNode body = Json.MAPPER.createObjectNode().put("login", user.login()).put("id", user.id()).put("type", "User");
            return Reply.json(200, body).with("X-OAuth-Scopes", String.join(", ", token.scope().split(",")));
        }
        if (method.equals("GET") && path.equals("/user/orgs") && token.user() != null) {
            ArrayNode orgs = Json.MAPPER.createArrayNode();
            orgsByUser.getOrDefault(token.user().id(), List.of())
                    .forEach(org -> orgs.addObject().put("login", org.login()).put("id", org.id()));
            return Reply.json(200, orgs).with("X-OAuth-Scopes", String.join(", ", token.scope().split(",")));
        }
        if (method.equals("DELETE") && path.equals("/installation/token") && token.installationId() != 0) {
            tokens.remove(token.value());
            revokedTokens.add(token.value());
            return Reply.empty(204);
        }
        if (method.equals("GET") && path.equals("/user/installations") && token.user() != null) {
            return userInstallations(token, request);
        }
        if (path.matches("/repos/[^/]+/[^/]+/(issues|pulls)") && token.installationId() != 0) {
            repositoryCalls.incrementAndGet();
            ArrayNode items = Json.MAPPER.createArrayNode();
            items.addObject().put("number", 1).put("title", "First issue").put("state", "open");
            return switch (method) {
                case "GET" -> Reply.json(200, items).with("X-RateLimit-Remaining", "4999");
                case "POST" -> Reply.json(201, items.get(0));
                default -> restError(404, "Not Found");
            };
        }
        if (method.equals("GET") && path.equals("/installation/repositories") && token.installationId() != 0) {
            return Reply.json(200, Json.MAPPER.createObjectNode().put("total_count", 0).put("repository_selection", "all")
                    .set("repositories", Json.MAPPER.createArrayNode()));
        }
        return restError(404, "Not Found");
    }

    /** The installations of this app the token's user can reach, paginated ({@code per_page}, {@code page}). */
    private Reply userInstallations(Token token, Request request) {
        if (!APP_CLIENT_ID.equals(token.clientId())) {
            return restError(403, "You must authenticate with an access token authorized to a GitHub App in order to list installations");
        }
        int perPage = Math.min(100, Math.max(1, intParam(request.query().get("per_page"), 30)));
        int page = Math.max(1, intParam(request.query().get("page"), 1));
        List<Installation> reachable = installations.values().stream()
                .filter(i -> !i.deleted && i.users.contains(token.user().id()))
                .sorted(Comparator.comparingLong(i -> i.id)).toList();
        ObjectNode body = Json.MAPPER.createObjectNode().put("total_count", reachable.size());
        ArrayNode list = body.putArray("installations");
        reachable.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(i -> list.add(installationJson(i)));
        return Reply.json(200, body);
    }

    private static int intParam(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private Reply appApi(String method, String path) {
        if (method.equals("GET") && path.equals("/app")) {
            return Reply.json(200, Json.MAPPER.createObjectNode().put("id", Long.parseLong(APP_ID)).put("slug", APP_SLUG)
                    .put("client_id", APP_CLIENT_ID).put("name", "Gatehouse test"));
        }
        String[] parts = path.split("/");
        // /app/installations/{id}[/access_tokens | /suspended]
        if (parts.length < 4 || !parts[2].equals("installations") || !parts[3].matches("\\d+")) {
            return restError(404, "Not Found");
        }
        Installation installation = installations.get(Long.parseLong(parts[3]));
        if (installation == null || installation.deleted) {
            return restError(404, "Not Found");
        }
        String action = parts.length > 4 ? parts[4] : "";
        return switch (method + " " + action) {
            case "GET " -> Reply.json(200, installationJson(installation));
            case "DELETE " -> {
                installation.deleted = true;
                uninstalled.add(installation.id);
                yield Reply.empty(204);
            }
            case "POST access_tokens" -> mintInstallationToken(installation);
            case "PUT suspended" -> {
                installation.suspended = true;
                yield Reply.empty(204);
            }
            case "DELETE suspended" -> {
                installation.suspended = false;
                yield Reply.empty(204);
            }
            default -> restError(404, "Not Found");
        };
    }

    private Reply mintInstallationToken(Installation installation) {
        if (installation.suspended) {
            return restError(403, "This installation has been suspended");
        }
        installationTokensMinted.incrementAndGet();
        String value = randomToken("ghs_");
        Instant expiresAt = clock.instant().plus(INSTALLATION_TOKEN_TTL).truncatedTo(ChronoUnit.SECONDS);
        tokens.put(value, new Token(value, null, null, installation.id, "", expiresAt));
        ObjectNode body = Json.MAPPER.createObjectNode().put("token", value).put("expires_at", expiresAt.toString());
        body.putObject("permissions").put("metadata", "read").put("contents", "read").put("issues", "write");
        body.put("repository_selection", "all");
        return Reply.json(201, body);
    }

    private ObjectNode installationJson(Installation installation) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("id", installation.id).put("app_id", Long.parseLong(APP_ID))
                .put("app_slug", APP_SLUG).put("target_id", installation.account.id()).put("target_type", installation.account.type());
        body.putObject("account").put("login", installation.account.login()).put("id", installation.account.id())
                .put("type", installation.account.type());
        body.put("repository_selection", "all");
        if (installation.suspended) {
            body.put("suspended_at", clock.instant().toString());
        } else {
            body.putNull("suspended_at");
        }
        body.put("access_tokens_url", apiUrl() + "/app/installations/" + installation.id + "/access_tokens");
        return body;
    }

    /** The app JWT checks of docs/vault-providers.md, "GitHub App": signature, issuer, iat not in the future, exp at most 600 s ahead. */
    private Reply refuseAppJwt(String bearer) {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(bearer == null ? "" : bearer);
            claims = jwt.getJWTClaimsSet();
        } catch (Exception e) {
            return restError(401, "A JSON web token could not be decoded");
        }
        if (!APP_ID.equals(claims.getIssuer()) && !APP_CLIENT_ID.equals(claims.getIssuer())) {
            return restError(404, "Integration not found");
        }
        try {
            if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())
                    || !jwt.verify(new RSASSAVerifier((RSAPublicKey) APP_KEYS.getPublic()))) {
                return restError(401, "A JSON web token could not be decoded");
            }
        } catch (Exception e) {
            return restError(401, "A JSON web token could not be decoded");
        }
        if (claims.getIssueTime() == null || claims.getExpirationTime() == null) {
            return restError(401, "'Issued at' and 'Expiration time' claims are required");
        }
        long now = clock.instant().getEpochSecond();
        long iat = claims.getIssueTime().toInstant().getEpochSecond();
        long exp = claims.getExpirationTime().toInstant().getEpochSecond();
        if (iat > now) {
            return restError(401, "'Issued at' claim ('iat') must be an Integer representing a time in the past");
        }
        if (exp - iat > 600 || exp > now + 600) {
            return restError(401, "'Expiration time' claim ('exp') is too far in the future");
        }
        if (exp <= now) {
            return restError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time "
                    + "at which the assertion expires");
        }
        return null;
    }

    /** {@code /applications/{client_id}/token|grant} with Basic client credentials and a JSON {@code access_token}. */
    private Reply applicationsApi(Request request, String path) {
        String[] parts = path.split("/");
        String clientId = parts.length == 4 ? parts[2] : "";
        String secret = secretOf(clientId);
        String expectedAuth = "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        if (secret == null || !expectedAuth.equals(request.header("Authorization"))) {
            return restError(401, "Requires authentication");
        }
        String accessToken;
        try {
            accessToken = Json.MAPPER.readTree(request.body()).path("access_token").asText(null);
        } catch (Exception e) {
            accessToken = null;
        }
        if (accessToken == null) {
            return restError(422, "Invalid request.\n\n\"access_token\" wasn't supplied.");
        }
        Token token = tokens.get(accessToken);
        if (token == null || token.user() == null || !clientId.equals(token.clientId())) {
            return restError(404, "Not Found");
        }
        String what = request.method() + " " + parts[3];
        switch (what) {
            case "DELETE token" -> revoke(token.value());
            case "DELETE grant" -> tokens.values().stream()
                    .filter(t -> token.user().equals(t.user()) && clientId.equals(t.clientId())).toList()
                    .forEach(t -> revoke(t.value()));
            case "POST token" -> {
                ObjectNode body = Json.MAPPER.createObjectNode().put("token", token.value());
                ArrayNode scopes = body.putArray("scopes");
                List.of(token.scope().split(",")).stream().filter(s -> !s.isBlank()).forEach(scopes::add);
                body.put("expires_at", token.expiresAt() == null ? null : token.expiresAt().toString());
                body.putObject("user").put("login", token.user().login()).put("id", token.user().id());
                return Reply.json(200, body);
            }
            default -> {
                return restError(404, "Not Found");
            }
        }
        return Reply.empty(204);
    }

    private void revoke(String accessToken) {
        tokens.remove(accessToken);
        refreshTokens.values().removeIf(r -> r.accessToken().equals(accessToken));
        revokedTokens.add(accessToken);
    }

    /** The secret of one of the two OAuth clients GitHub knows here, or null. */
    private static String secretOf(String clientId) {
        return CLIENT_ID.equals(clientId) ? CLIENT_SECRET : APP_CLIENT_ID.equals(clientId) ? APP_CLIENT_SECRET : null;
    }

    private static Reply restError(int status, String message) {
        return Reply.json(status, Json.MAPPER.createObjectNode().put("message", message)
                .put("documentation_url", "https://docs.github.com/rest").put("status", Integer.toString(status)));
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    static Map<String, String> query(URI uri) {
        return params(uri.getRawQuery());
    }

    private static URI withQuery(String base, Map<String, String> params) {
        String query = params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return URI.create(base + (base.contains("?") ? "&" : "?") + query);
    }

    private static String randomToken(String prefix) {
        byte[] bytes = new byte[20];
        ThreadLocalRandom.current().nextBytes(bytes);
        StringBuilder hex = new StringBuilder(prefix);
        for (byte b : bytes) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }

    private static String s256(String verifier) {
        if (verifier == null) {
            return null;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generateRsaKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String label, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
    }

    /** The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: the value of its OCTET STRING. */
    private static byte[] pkcs1(byte[] pkcs8) {
        int[] position = {0};
        readHeader(pkcs8, position, 0x30); // PrivateKeyInfo
        skip(pkcs8, position, 0x02); // version
        skip(pkcs8, position, 0x30); // AlgorithmIdentifier
        int length = readHeader(pkcs8, position, 0x04);
        byte[] key = new byte[length];
        System.arraycopy(pkcs8, position[0], key, 0, length);
        return key;
    }

    private static void skip(byte[] der, int[] position, int tag) {
        int length = readHeader(der, position, tag); // moves position past the header first
        position[0] += length;
    }

    /** Reads a tag and a DER length at {@code position}, leaves it at the value; returns the length. */
    private static int readHeader(byte[] der, int[] position, int tag) {
        if ((der[position[0]++] & 0xff) != tag) {
            throw new IllegalStateException("unexpected DER tag");
        }
        int first = der[position[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = (length << 8) | (der[position[0]++] & 0xff);
        }
        return length;
    }
}
