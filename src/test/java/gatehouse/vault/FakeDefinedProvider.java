package gatehouse.vault;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import gatehouse.testing.FakeProvider;
import gatehouse.web.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A generic OAuth 2.0 provider that behaves as one {@link ProviderDefinition} says its provider
 * does, and insists on it: the authorize URL's parameters and scope separator, PKCE, Basic or
 * post client authentication, form or JSON token requests, the token answer's shape (fields at the
 * definition's pointers), rotating refresh tokens or not, the identity call, the revocation call
 * and its way of sending the token, tenant hosts through connection parameters, and an API that
 * answers only the current access token. Anything else answers 400 with what it expected, so a
 * definition and the code reading it cannot drift apart unnoticed.
 */
public final class FakeDefinedProvider extends FakeProvider {
    static final String CLIENT_ID = "fake-client-id";
    static final String CLIENT_SECRET = "fake client secret/+=";
    /** The value the tests give every connection parameter (a Zendesk subdomain). */
    public static final String PARAM_VALUE = "acme";

    private final ProviderDefinition definition;
    private final Map<String, String> values;
    private final Map<String, String> codes = new ConcurrentHashMap<>(); // code -> challenge ("" without PKCE)
    private final Set<String> liveAccess = ConcurrentHashMap.newKeySet();
    private final Set<String> liveRefresh = ConcurrentHashMap.newKeySet();
    private final List<String> revoked = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger refreshes = new AtomicInteger();
    /** Each grant reaches its own account, so every connect makes a new connection; the latest one's ID. */
    private volatile String accountId;
    private final Map<String, String> accountOfToken = new ConcurrentHashMap<>();
    private final Map<String, String> accountOfCode = new ConcurrentHashMap<>();
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicInteger apiCalls = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch streamReleased = new java.util.concurrent.CountDownLatch(1);

    public FakeDefinedProvider(ProviderDefinition definition) {
        this.definition = definition;
        Map<String, String> vars = new LinkedHashMap<>();
        definition.connectionParams().keySet().forEach(name -> vars.put(name, PARAM_VALUE));
        definition.token().keep().keySet().forEach(name -> vars.put(name, url() + "/kept-" + name));
        this.values = ProviderDefinition.values(overriddenBases(), vars);
    }

    /** Every base at this fake: {@code /base/<name>}, followed by the base's connection parameters. */
    ProviderDefinition.Bases overriddenBases() {
        Map<String, String> bases = new LinkedHashMap<>();
        definition.bases().urls().forEach((name, url) -> {
            StringBuilder base = new StringBuilder(url() + "/base/" + name);
            ProviderDefinition.placeholders(url).forEach(param -> base.append("/{").append(param).append('}'));
            bases.put(name, base.toString());
        });
        return new ProviderDefinition.Bases(bases);
    }

    /** The environment that configures Gatehouse for this provider at this fake. */
    public Map<String, String> gatehouseSettings() {
        Map<String, String> env = new LinkedHashMap<>();
        String prefix = definition.settingsPrefix();
        env.put(prefix + "CLIENT_ID", CLIENT_ID);
        env.put(prefix + "CLIENT_SECRET", CLIENT_SECRET);
        overriddenBases().urls().forEach((name, url) -> env.put(prefix + name.toUpperCase(Locale.ROOT) + "_URL", url));
        env.put("GATEHOUSE_VAULT_ALLOW_HTTP", "true");
        return env;
    }

    /** The query an install needs besides organization_id: every connection parameter. */
    String connectQuery() {
        StringBuilder query = new StringBuilder();
        definition.connectionParams().keySet().forEach(name -> query.append('&').append(name).append('=').append(PARAM_VALUE));
        return query.toString();
    }

    String accountId() {
        return accountId;
    }

    boolean accepts(String accessToken) {
        return liveAccess.contains(accessToken);
    }

    int refreshes() {
        return refreshes.get();
    }

    List<String> revoked() {
        return List.copyOf(revoked);
    }

    /** The provider revokes every grant (a user removed the app there). */
    void revokeEverything() {
        liveAccess.clear();
        liveRefresh.clear();
    }

    /** The path of one of the definition's URLs at this fake. */
    String path(String template) {
        return URI.create(ProviderDefinition.expand(template, values)).getPath();
    }

    /** The path the proxy reaches for the API base plus {@code suffix}. */
    public String apiPath(String suffix) {
        Map<String, String> all = new LinkedHashMap<>(values);
        all.put(ProviderDefinition.EXTERNAL_ID, accountId);
        return URI.create(ProviderDefinition.expand(definition.api().baseUrl(), all)).getPath() + suffix;
    }

    @Override
    protected Reply answer(Request request) {
        Reply failure = armedFailure(request.path());
        if (failure != null) {
            return failure;
        }
        var token = definition.token();
        if (request.is("GET", path(definition.authorize().url()))) {
            return authorize(request);
        }
        if (request.is("POST", path(token.url())) || token.refreshUrl() != null && request.is("POST", path(token.refreshUrl()))) {
            return token(request);
        }
        var identity = definition.identity();
        if (identity.url() != null && request.is(identity.method(), path(identity.url()))) {
            return identity(request);
        }
        var revocation = definition.revocation();
        if (revocation != null && request.method().equals(revocation.method()) && matchesRevocation(request.path())) {
            return revoke(request);
        }
        if (request.path().startsWith(apiPath(""))) {
            return api(request);
        }
        return refuse("no such endpoint: " + request.method() + " " + request.path());
    }

    private Reply authorize(Request request) {
        var authorize = definition.authorize();
        Map<String, String> query = request.query();
        String expectedScope = String.join(authorize.scopeSeparator(), authorize.defaultScopes());
        if (!CLIENT_ID.equals(query.get("client_id")) || !"code".equals(query.get("response_type"))
                || query.get("redirect_uri") == null || query.get("state") == null) {
            return refuse("authorize needs client_id, response_type=code, redirect_uri and state: " + query);
        }
        if (!authorize.defaultScopes().isEmpty() && !expectedScope.equals(query.get(authorize.scopeParam()))) {
            return refuse("expected " + authorize.scopeParam() + "=" + expectedScope + ", got " + query);
        }
        for (var param : authorize.params().entrySet()) {
            if (!param.getValue().equals(query.get(param.getKey()))) {
                return refuse("expected " + param.getKey() + "=" + param.getValue());
            }
        }
        boolean pkce = query.get("code_challenge") != null;
        if (pkce != authorize.pkce() || pkce && !"S256".equals(query.get("code_challenge_method"))) {
            return refuse("PKCE is " + (authorize.pkce() ? "required with S256" : "not used by this provider"));
        }
        String code = "code-" + issued.incrementAndGet();
        codes.put(code, pkce ? query.get("code_challenge") : "");
        accountId = definition.name() + "-account-" + issued.get() + "-" + System.nanoTime();
        accountOfCode.put(code, accountId);
        return Reply.redirect(query.get("redirect_uri") + "?code=" + code + "&state="
                + URLEncoder.encode(query.get("state"), StandardCharsets.UTF_8));
    }

    private Reply token(Request request) {
        var spec = definition.token();
        Map<String, String> fields;
        String type = request.header("Content-Type");
        if (spec.jsonBody()) {
            if (type == null || !type.startsWith("application/json")) {
                return refuse("the token endpoint takes JSON");
            }
            fields = new LinkedHashMap<>();
            tree(request.body()).fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
        } else {
            fields = request.form();
            if (fields.isEmpty()) {
                return refuse("the token endpoint takes a form");
            }
        }
        String clientProblem = clientAuthentication(request, fields);
        if (clientProblem != null) {
            return Reply.json(401, Map.of("error", "invalid_client", "error_description", clientProblem));
        }
        String refreshed = null;
        String account = null;
        switch (String.valueOf(fields.get("grant_type"))) {
            case "authorization_code" -> {
                account = accountOfCode.get(String.valueOf(fields.get("code")));
                String challenge = codes.remove(String.valueOf(fields.get("code")));
                if (challenge == null) {
                    return Reply.json(400, Map.of("error", "invalid_grant"));
                }
                String verifier = fields.get("code_verifier");
                if (!challenge.isEmpty() && (verifier == null || !CodeChallenge.compute(CodeChallengeMethod.S256,
                        new CodeVerifier(verifier)).getValue().equals(challenge))) {
                    return Reply.json(400, Map.of("error", "invalid_grant", "error_description", "PKCE verification failed"));
                }
            }
            case "refresh_token" -> {
                refreshed = fields.get("refresh_token");
                if (refreshed == null || !liveRefresh.contains(refreshed)) {
                    return Reply.json(400, Map.of("error", "invalid_grant"));
                }
                if (spec.refreshUrl() != null && !request.path().equals(path(spec.refreshUrl()))) {
                    return refuse("refreshes go to " + spec.refreshUrl());
                }
                refreshes.incrementAndGet();
                account = accountOfToken.get(refreshed);
            }
            default -> {
                return Reply.json(400, Map.of("error", "unsupported_grant_type"));
            }
        }
        int n = issued.incrementAndGet();
        String access = definition.name() + "_at_" + n + "_" + System.nanoTime();
        liveAccess.add(access);
        accountOfToken.put(access, account);
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        put(answer, spec.field("access_token"), access);
        put(answer, spec.field("expires_in"), n % 2 == 0 ? "3600" : 3600); // numbers or strings: read both
        String scope = String.join(definition.authorize().scopeSeparator(), definition.authorize().defaultScopes());
        if (!scope.isEmpty()) {
            put(answer, spec.field("scope"), scope);
        }
        if (refreshed == null || spec.refreshTokenRotates()) {
            if (refreshed != null) {
                liveRefresh.remove(refreshed);
            }
            String refresh = definition.name() + "_rt_" + n;
            liveRefresh.add(refresh);
            accountOfToken.put(refresh, account);
            put(answer, spec.field("refresh_token"), refresh);
        }
        spec.keep().forEach((name, pointer) -> put(answer, pointer, values.get(name)));
        if (refreshed != null && !spec.refreshTokenRotates()) {
            accountOfToken.put(access, account);
        }
        if (definition.identity().url() == null) {
            put(answer, definition.identity().id(), account);
            if (definition.identity().name() != null) {
                put(answer, definition.identity().name(), "Fake " + definition.displayName());
            }
        }
        return Reply.json(200, answer);
    }

    /** Null when the client authenticated the way the definition says; what is wrong otherwise. */
    private String clientAuthentication(Request request, Map<String, String> fields) {
        String basic = "Basic " + Base64.getEncoder().encodeToString((URLEncoder.encode(CLIENT_ID, StandardCharsets.UTF_8)
                + ":" + URLEncoder.encode(CLIENT_SECRET, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        boolean byBasic = basic.equals(request.header("Authorization"));
        boolean byPost = CLIENT_ID.equals(fields.get("client_id")) && CLIENT_SECRET.equals(fields.get("client_secret"));
        return switch (definition.token().clientAuthentication()) {
            case CLIENT_SECRET_BASIC -> byBasic && fields.get("client_secret") == null ? null : "expected client_secret_basic";
            case CLIENT_SECRET_POST -> byPost && request.header("Authorization") == null ? null : "expected client_secret_post";
        };
    }

    private Reply identity(Request request) {
        if (!accepts(request.bearer())) {
            return Reply.json(401, Map.of("message", "invalid token"));
        }
        var identity = definition.identity();
        for (var header : identity.headers().entrySet()) {
            if (!header.getValue().equals(request.header(header.getKey()))) {
                return refuse("the identity call needs " + header.getKey());
            }
        }
        if (identity.body() != null && !identity.body().equals(tree(request.body()))) {
            return refuse("the identity call needs its body");
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        put(answer, identity.id(), accountOfToken.get(request.bearer()));
        if (identity.name() != null) {
            put(answer, identity.name(), "Fake " + definition.displayName());
        }
        return Reply.json(200, answer);
    }

    private boolean matchesRevocation(String requestPath) {
        String template = definition.revocation().url();
        if (!template.contains("{token}")) {
            return requestPath.equals(path(template));
        }
        String prefix = path(template.substring(0, template.indexOf("{token}")));
        return requestPath.startsWith(prefix);
    }

    private Reply revoke(Request request) {
        var revocation = definition.revocation();
        String token = switch (revocation.send()) {
            case FORM -> request.form().get("token");
            case JSON -> tree(request.body()).path("token").asText(null);
            case BEARER -> request.bearer();
            case URL -> request.path().substring(request.path().lastIndexOf('/') + 1);
        };
        for (var header : revocation.headers().entrySet()) {
            if (!header.getValue().equals(request.header(header.getKey()))) {
                return refuse("revocation needs " + header.getKey());
            }
        }
        if (revocation.clientAuthentication()) {
            Map<String, String> fields = revocation.send() == ProviderDefinition.RevocationSend.JSON ? jsonFields(request)
                    : request.form();
            if (clientAuthentication(request, fields) != null && revocation.send() != ProviderDefinition.RevocationSend.BEARER) {
                return Reply.json(401, Map.of("error", "invalid_client"));
            }
        }
        boolean known = liveRefresh.remove(token) | liveAccess.remove(token);
        if (!known) {
            return refuse("revocation of an unknown token");
        }
        if (revocation.refreshToken() ? !token.contains("_rt_") : !token.contains("_at_")) {
            return refuse("revoked the wrong kind of token");
        }
        revoked.add(token);
        revokeEverything(); // revoking a grant kills its whole family at these providers
        return Reply.empty(revocation.method().equals("DELETE") ? 204 : 200);
    }

    /**
     * The API: echoes what arrived (headers included), for the current access token only. {@code
     * /stream/<bytes>} streams that many bytes, holding back all but the first chunk until {@link
     * #releaseStream} (so a test can see the start arrive before the end exists); {@link
     * #refuseNextApiCalls} makes the next calls answer 401 as an expired token would.
     */
    private Reply api(Request request) {
        apiCalls.incrementAndGet();
        if (!accepts(request.bearer()) || refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Reply.json(401, Map.of("message", "401 Unauthorized")).with("WWW-Authenticate", "Bearer");
        }
        String rest = request.path().substring(apiPath("").length());
        if (rest.startsWith("/stream/")) {
            long size = Long.parseLong(rest.substring("/stream/".length()));
            return Reply.streamed(200, "application/octet-stream", out -> {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                long written = 0;
                while (written < size) {
                    int n = (int) Math.min(chunk.length, size - written);
                    out.write(chunk, 0, n);
                    out.flush();
                    written += n;
                    if (written == n) {
                        try {
                            streamReleased.await(30, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            });
        }
        Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("method", request.method());
        echo.put("path", request.path());
        echo.put("query", request.query());
        echo.put("body", request.body());
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        echo.put("headers", headers);
        return Reply.json(request.method().equals("POST") ? 201 : 200, echo).with("X-RateLimit-Remaining", "4999")
                .with("Set-Cookie", "session=provider-secret").with("Link", "<" + url() + "/next>; rel=\"next\"");
    }

    /** The next {@code times} API calls answer 401, whatever the token. */
    void refuseNextApiCalls(int times) {
        refusals.set(times);
    }

    int apiCalls() {
        return apiCalls.get();
    }

    /** Lets a held-back stream finish. */
    void releaseStream() {
        streamReleased.countDown();
    }

    private static Map<String, String> jsonFields(Request request) {
        Map<String, String> fields = new LinkedHashMap<>();
        tree(request.body()).fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
        return fields;
    }

    /** Sets {@code value} at {@code pointer}, creating the objects on the way. */
    private static void put(ObjectNode root, JsonPointer pointer, Object value) {
        List<String> steps = new ArrayList<>();
        for (JsonPointer at = pointer; !at.matches(); at = at.tail()) {
            steps.add(at.getMatchingProperty());
        }
        ObjectNode node = root;
        for (String step : steps.subList(0, steps.size() - 1)) {
            node = node.has(step) ? (ObjectNode) node.get(step) : node.putObject(step);
        }
        String last = steps.getLast();
        if (value instanceof Integer number) {
            node.put(last, number);
        } else {
            node.put(last, String.valueOf(value));
        }
    }

    private static Reply refuse(String why) {
        return Reply.json(400, Map.of("error", "invalid_request", "error_description", why));
    }

    @Override
    protected Reply serverError(int status) {
        return Reply.json(status, Map.of("error", "server_error"));
    }

    @Override
    protected Reply rateLimited(long retryAfterSeconds) {
        return Reply.json(429, Map.of("error", "rate_limited")).with("Retry-After", Long.toString(retryAfterSeconds));
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + body, e);
        }
    }
}
