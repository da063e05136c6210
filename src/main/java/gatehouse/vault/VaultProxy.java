package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.clients.VaultAccess;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.installations.Installation;
import gatehouse.installations.InstallationService;
import gatehouse.store.Database;
import gatehouse.web.JsonBody;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's proxy (docs/vault-proxy.md): forwards a caller's request to a connection's provider
 * API with the connection's credential injected, so the caller never holds a provider token.
 *
 * <p>The upstream host is the provider definition's API base for the connection and nothing the
 * caller sends: the caller's path is appended to it after every segment is checked ({@code ..},
 * encoded slashes and the like are 400). A provider's 401 to GET, HEAD, OPTIONS, PUT or DELETE
 * (or a definition's token error, Slack's {@code ok:false}) renews the credential once — shared
 * with any refresh in flight, once across nodes — and retries once; a POST or PATCH is never sent
 * twice. Every call is audited as {@code connection.proxied} without query values, bodies or tokens.
 */
public final class VaultProxy {
    private static final Logger log = LoggerFactory.getLogger(VaultProxy.class);
    public static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(30);
    public static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;
    /** How much of an answer is read to tell a token error from a real answer (Slack answers errors with 200). */
    private static final int PEEK_BYTES = 64 * 1024;
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH");
    private static final Set<String> RETRIED = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");
    /** The query parameters that choose the connection: Gatehouse's, never forwarded. */
    private static final Set<String> KEYS = Set.of("organization_id", "workspace_id", "site_id");
    /** Request headers never forwarded: hop-by-hop, credentials, Gatehouse's own, what the client sets itself. */
    private static final Set<String> REQUEST_HEADERS_DROPPED = Set.of("authorization", "cookie", "host", "content-length",
            "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding",
            "upgrade", "expect", "dpop", "gatehouse-connection", "forwarded", "x-real-ip", "x-csrf-token", "origin",
            "referer", "http2-settings", "accept-encoding", "via", "cf-connecting-ip", "true-client-ip", "x-client-ip",
            "x-request-id", "x-http-method-override", "x-http-method", "x-method-override");
    /** Answer headers never passed back: credentials, cookies, hop-by-hop, and what Jetty sets for the stream. */
    private static final Set<String> ANSWER_HEADERS_DROPPED = Set.of("authorization", "set-cookie", "set-cookie2",
            "www-authenticate", "proxy-authenticate", "connection", "keep-alive", "transfer-encoding", "trailer", "upgrade",
            "content-length", "strict-transport-security", ":status", "alt-svc", "content-security-policy",
            "content-security-policy-report-only", "refresh", "clear-site-data", "x-frame-options");

    private final Database database;
    private final TokenLookup lookup;
    private final Platforms platforms;
    private final AuditLog audit;
    private final ClientService clients;
    private final InstallationService installations;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(ProviderHttp.TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    public VaultProxy(Database database, TokenLookup lookup, Platforms platforms, AuditLog audit, ClientService clients,
                      InstallationService installations) {
        this.clients = clients;
        this.installations = installations;
        this.database = database;
        this.lookup = lookup;
        this.platforms = platforms;
        this.audit = audit;
    }

    /** Where a call goes: the connection, its provider's definition, and what the audit entry names the path. */
    public record Target(Connection connection, ProviderDefinition definition, String auditedPath) {
    }

    /** The caller's request as it is forwarded: method, raw path (from "/"), raw query without Gatehouse's keys. */
    public record Outgoing(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
    }

    /** The provider's answer: status, headers to pass back, and the body as it streams in. */
    public record Answer(int status, Map<String, List<String>> headers, InputStream body) {
    }

    /**
     * Who may call, and which connection (docs/vault-proxy.md):
     * <ul>
     * <li>internal services (a service token with {@code connections:read}) and platform admins'
     * tokens reach any connection, named by exactly one lookup key or the {@code Gatehouse-Connection} header;
     * <li>an app's token (actor {@code app}, or {@code self} for a member) reaches only its own
     * organization's connection, and only the methods and paths of the vault access a platform admin
     * approved for the app and the organization's admin granted its installation there;
     * <li>anyone else, and every browser session, is 403.
     * </ul>
     */
    public Target resolve(Caller caller, String platformName, String connectionId, Map<String, String> keys,
                          String method, String path) {
        if (caller.isSession()) {
            // A browser's cookie would let any page navigate an admin's tab into provider calls (and
            // show a provider's content on Gatehouse's origin): the proxy is for tokens only.
            throw OAuthException.forbidden("the proxy takes access tokens, not browser sessions");
        }
        boolean internal = caller.isPlatformAdmin() || caller.isServiceWith(TokenLookup.READ_SCOPE);
        if (!internal && (caller.clientId() == null || caller.organizationId() == null)) {
            throw OAuthException.forbidden("the proxy is for internal services (a service token with "
                    + TokenLookup.READ_SCOPE + ") and for apps with approved vault access");
        }
        if (!METHODS.contains(method)) {
            throw OAuthException.of(OAuthError.METHOD_NOT_ALLOWED, "the proxy forwards " + METHODS.stream().sorted().toList());
        }
        ProviderDefinition definition = platforms.definition(platformName);
        requireSafePath(path);
        if (internal) {
            return new Target(connection(definition, connectionId, keys), definition, path);
        }
        String template = brokeredTemplate(caller, platformName, method, path);
        if (keys.containsKey("_HttpMethod") || keys.containsKey("_method")) {
            // A method override would turn an approved method into another one at the provider.
            throw OAuthException.forbidden("an app's vault access does not allow overriding the method");
        }
        Map<String, String> ownKeys = new LinkedHashMap<>(keys);
        String named = ownKeys.get(ProviderDefinition.ORGANIZATION_KEY);
        if (named != null && !named.equalsIgnoreCase(caller.organizationId().toString())) {
            throw OAuthException.forbidden("an app reaches only the connections of the organization its token acts in");
        }
        if (connectionId == null && ownKeys.keySet().stream().noneMatch(KEYS::contains)) {
            ownKeys.put(ProviderDefinition.ORGANIZATION_KEY, caller.organizationId().toString());
        }
        Connection connection = connection(definition, connectionId, ownKeys);
        if (!connection.organizationId().equals(caller.organizationId())) {
            throw OAuthException.forbidden("an app reaches only the connections of the organization its token acts in");
        }
        return new Target(connection, definition, template);
    }

    /**
     * The approved path template that lets the app's token call {@code method} on {@code path}: in
     * the vault access the app holds (approved by a platform admin) and its installation in the
     * token's organization was granted (by that organization's admin); 403 otherwise.
     */
    private String brokeredTemplate(Caller caller, String platform, String method, String path) {
        Client app = clients.findOptional(caller.clientId())
                .orElseThrow(() -> OAuthException.forbidden("the app no longer exists"));
        List<VaultAccess> granted = installations.findActive(caller.clientId(), caller.organizationId())
                .map(Installation::vaultAccess).orElse(List.of());
        String template = VaultAccess.allowing(VaultAccess.both(granted, app.vault().effective()), platform, method, path);
        if (template == null) {
            throw OAuthException.forbidden("the app's vault access does not allow " + method + " on this " + platform
                    + " path in this organization");
        }
        return template;
    }

    /** The connection named by the header or by exactly one of the definition's lookup keys; 404 when none. */
    private Connection connection(ProviderDefinition definition, String connectionId, Map<String, String> keys) {
        Map<String, String> given = new LinkedHashMap<>();
        keys.forEach((key, value) -> {
            if (KEYS.contains(key) && value != null) {
                given.put(key, value);
            }
        });
        if (connectionId != null) {
            if (!given.isEmpty()) {
                throw OAuthException.validation("name the connection by the Gatehouse-Connection header or by a query key, not both");
            }
            UUID id = JsonBody.parseUuid("Gatehouse-Connection", connectionId.strip());
            return lookup.liveConnection(id).filter(found -> found.platform().equals(definition.name()))
                    .orElseThrow(() -> OAuthException.notFound("no active " + definition.name() + " connection with that ID"));
        }
        if (given.size() != 1) {
            throw OAuthException.validation("name the connection by the Gatehouse-Connection header or by exactly one of "
                    + definition.lookupKeys());
        }
        var key = given.entrySet().iterator().next();
        if (!definition.lookupKeys().contains(key.getKey())) {
            throw OAuthException.validation(key.getKey() + " does not name a " + definition.name() + " connection; use "
                    + String.join(" or ", definition.lookupKeys()));
        }
        if ("site_id".equals(definition.externalKey()) && !key.getKey().equals("site_id")) {
            throw OAuthException.validation("site_id is required: each " + definition.name() + " site is its own connection");
        }
        UUID orgId = key.getKey().equals(ProviderDefinition.ORGANIZATION_KEY)
                ? JsonBody.parseUuid("organization_id", key.getValue()) : null;
        return lookup.find(definition.name(), orgId, orgId == null ? key.getValue() : null);
    }

    /**
     * Sends the request with the connection's credential; on a refused token, renews once and
     * retries once (idempotent methods only). The answer's body is the caller's to close.
     */
    public Answer forward(Target target, Outgoing request) {
        Connection connection = target.connection();
        Credential credential = lookup.credentialFor(connection);
        String base = platforms.apiBase(connection, credential);
        Answer answer = send(base, request, credential.accessToken(), target.definition());
        if (!RETRIED.contains(request.method())) {
            return answer;
        }
        Peeked peeked = peekForTokenError(answer, target.definition());
        if (!peeked.tokenRejected()) {
            return peeked.answer();
        }
        Credential renewed;
        try {
            renewed = lookup.renewRejected(connection, credential.accessToken());
        } catch (RuntimeException e) {
            closeQuietly(peeked.answer().body());
            throw e;
        }
        if (renewed == null) {
            return peeked.answer();
        }
        closeQuietly(peeked.answer().body());
        return send(platforms.apiBase(connection, renewed), request, renewed.accessToken(), target.definition());
    }

    /** Writes the audit entry of one call: method, path, status, duration; never query values, bodies or tokens. */
    public void audited(Caller caller, Target target, String method, int status, Duration duration) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connection_id", target.connection().id().toString());
        details.put("platform", target.connection().platform());
        details.put("method", method);
        details.put("path", target.auditedPath());
        details.put("status", status);
        details.put("duration_ms", duration.toMillis());
        try {
            database.withHandle(handle -> {
                audit.record(handle, caller.auditActor(), AuditLog.Event.of("connection.proxied")
                        .organization(target.connection().organizationId()).details(details));
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("could not audit a proxied {} call: {}", target.connection().platform(), e.toString());
        }
    }

    private Answer send(String base, Outgoing request, String accessToken, ProviderDefinition definition) {
        URI uri;
        try {
            uri = URI.create(base + request.path() + (request.query().isEmpty() ? "" : "?" + request.query()));
        } catch (IllegalArgumentException e) {
            // Never the exception's message: it quotes the URL, query values included.
            throw OAuthException.invalidRequest("the path or query holds characters that cannot be forwarded");
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(UPSTREAM_TIMEOUT);
        request.headers().forEach((name, values) -> {
            if (forwardable(name)) {
                for (String value : values) {
                    try {
                        builder.header(name, value);
                    } catch (IllegalArgumentException e) {
                        throw OAuthException.invalidRequest("the header " + name + " cannot be forwarded");
                    }
                }
            }
        });
        builder.setHeader("Authorization", "Bearer " + accessToken);
        builder.setHeader("User-Agent", "Gatehouse");
        builder.method(request.method(), request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        try {
            HttpResponse<InputStream> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            return new Answer(response.statusCode(), passedBack(response), response.body());
        } catch (HttpTimeoutException e) {
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, definition.displayName() + " did not answer within "
                    + UPSTREAM_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, definition.displayName() + " could not be reached: "
                    + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "interrupted while calling " + definition.displayName());
        }
    }

    private static boolean forwardable(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !REQUEST_HEADERS_DROPPED.contains(lower) && !lower.startsWith("x-forwarded-") && !lower.startsWith("proxy-")
                && !lower.startsWith("sec-") && !lower.startsWith(":");
    }

    private static Map<String, List<String>> passedBack(HttpResponse<?> response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!ANSWER_HEADERS_DROPPED.contains(lower) && !lower.startsWith("access-control-")) {
                headers.put(name, values);
            }
        });
        return headers;
    }

    /** An answer, possibly with its start read, and whether it says the token was refused. */
    private record Peeked(Answer answer, boolean tokenRejected) {
    }

    /**
     * A 401 is a refused token; so is a definition's token error in a short JSON answer (Slack:
     * {@code ok:false} with {@code token_expired} or {@code invalid_auth}). Whatever was read is put
     * back in front of the rest, so the caller still gets the whole answer.
     */
    private static Peeked peekForTokenError(Answer answer, ProviderDefinition definition) {
        var tokenErrors = definition.api().tokenErrors();
        if (answer.status() != 401 && (tokenErrors == null || answer.status() != 200)) {
            return new Peeked(answer, false);
        }
        byte[] start;
        try {
            start = answer.body().readNBytes(PEEK_BYTES);
        } catch (IOException e) {
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, definition.displayName() + " dropped its answer");
        }
        Answer whole = new Answer(answer.status(), answer.headers(),
                new SequenceInputStream(new ByteArrayInputStream(start), answer.body()));
        if (answer.status() == 401) {
            return new Peeked(whole, true);
        }
        if (start.length == PEEK_BYTES) {
            return new Peeked(whole, false);
        }
        JsonNode json = ProviderAnswers.parse(new String(start, StandardCharsets.UTF_8));
        String error = ProviderAnswers.at(json, tokenErrors.pointer());
        return new Peeked(whole, error != null && tokenErrors.values().contains(error));
    }

    /**
     * Refuses a path that could leave the API base or mean something else upstream: dot segments
     * (plain or encoded), encoded slashes or backslashes, NULs and control characters, and
     * anything that is not a path (a scheme, an authority).
     */
    static void requireSafePath(String path) {
        if (path.isEmpty() || path.charAt(0) != '/' || path.startsWith("//")) {
            throw unsafe();
        }
        for (String segment : path.substring(1).split("/", -1)) {
            String decoded;
            try {
                decoded = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw unsafe();
            }
            // A matrix parameter does not hide a dot segment (..;x), and a double-encoded one (%252e)
            // would become one at a provider that decodes twice.
            String name = decoded.contains(";") ? decoded.substring(0, decoded.indexOf(';')) : decoded;
            String lower = decoded.toLowerCase(Locale.ROOT);
            if (name.equals(".") || name.equals("..") || decoded.contains("/") || decoded.contains("\\")
                    || lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c")
                    || decoded.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw unsafe();
            }
        }
    }

    private static OAuthException unsafe() {
        return OAuthException.invalidRequest("the path must stay inside the provider's API: no dot segments, encoded"
                + " slashes or control characters");
    }

    /** The raw query without Gatehouse's lookup keys, values left exactly as encoded. */
    public static String forwardedQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        return Stream.of(rawQuery.split("&")).filter(pair -> !pair.isEmpty()).filter(pair -> {
            String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
            try {
                return !KEYS.contains(URLDecoder.decode(name, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return true;
            }
        }).collect(Collectors.joining("&"));
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException e) {
            // the first answer is abandoned; nothing to do
        }
    }
}
