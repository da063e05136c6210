package gatehouse.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Jira through Atlassian OAuth 2.0 (3LO), docs/vault-providers.md, "Jira". The token endpoint speaks JSON both
 * ways; refresh tokens rotate on every use, so the credential a refresh returns always carries the
 * new one. One grant reaches every site the user granted, so a completed flow yields one account
 * per site (cloud ID), all sharing the credential. Atlassian has no token revocation endpoint.
 */
public final class JiraPlatform implements Platform {
    static final String NAME = "jira";
    private static final String PROVIDER = "Atlassian";
    private static final String AUDIENCE = "api.atlassian.com";
    private static final int MAX_DESCRIPTION = 200;

    private final PlatformSettings.Jira settings;
    private final ProviderHttp http;
    private final Clock clock;

    public JiraPlatform(PlatformSettings.Jira settings, ProviderHttp http, Clock clock) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String kind() {
        return "oauth";
    }

    /** PKCE is not part of Atlassian's documented 3LO flow, so it is never sent. */
    @Override
    public boolean usesPkce() {
        return false;
    }

    @Override
    public URI authorizeUrl(String state, String redirectUri, String codeChallenge) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("audience", AUDIENCE);
        query.put("client_id", settings.clientId());
        query.put("scope", String.join(" ", settings.scopes()));
        query.put("redirect_uri", redirectUri);
        query.put("state", state);
        query.put("response_type", "code");
        query.put("prompt", "consent");
        return ProviderHttp.withQuery(settings.authUrl(), "/authorize", query);
    }

    @Override
    public Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier)
            throws ProviderException {
        String code = callback.get("code");
        if (code == null || code.isBlank()) {
            throw new ProviderException(Kind.PERMANENT, "missing_code", "the Jira callback carries no code");
        }
        Map<String, String> grant = new LinkedHashMap<>();
        grant.put("grant_type", "authorization_code");
        grant.put("client_id", settings.clientId());
        grant.put("client_secret", settings.clientSecret());
        grant.put("code", code);
        grant.put("redirect_uri", redirectUri);
        Credential credential = tokenCall(grant, null);
        List<ExternalAccount> sites = accessibleSites(credential.accessToken());
        if (sites.isEmpty()) {
            throw new ProviderException(Kind.PERMANENT, "no_accessible_site",
                    "the grant reaches no Jira site: the user granted access to no site this app may use");
        }
        return new Authorization(credential, sites);
    }

    @Override
    public Credential refresh(Credential current) throws ProviderException {
        Map<String, String> grant = new LinkedHashMap<>();
        grant.put("grant_type", "refresh_token");
        grant.put("client_id", settings.clientId());
        grant.put("client_secret", settings.clientSecret());
        grant.put("refresh_token", current.refreshToken());
        return tokenCall(grant, current);
    }

    @Override
    public boolean canRefresh(Credential credential) {
        return credential.refreshToken() != null && !credential.refreshToken().isBlank();
    }

    /** Atlassian has no public 3LO revocation endpoint; disconnecting means destroying our copy. */
    @Override
    public void revoke(Credential credential) {
    }

    /**
     * One call to the token endpoint. {@code current} is the credential being refreshed (null for a
     * code exchange): what the answer omits (scope, a refresh token) is kept from it.
     */
    private Credential tokenCall(Map<String, String> grant, Credential current) throws ProviderException {
        HttpRequest.Builder request = HttpRequest.newBuilder(ProviderHttp.uri(settings.authUrl(), "/oauth/token"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ProviderJson.write(grant)));
        ProviderHttp.Answer answer = http.send(request, PROVIDER);
        Instant arrivedAt = clock.instant();
        JsonNode body = parse(answer.body());
        String accessToken = text(body, "access_token");
        if (answer.status() != 200 || text(body, "error") != null || accessToken == null) {
            throw tokenFailure(answer, body);
        }
        String refreshToken = text(body, "refresh_token");
        if (refreshToken == null && current != null) {
            // Atlassian always rotates; keeping the old token is the least harmful reading of an
            // answer without one (its next use fails with invalid_grant, which is classified).
            refreshToken = current.refreshToken();
        }
        String scope = text(body, "scope");
        List<String> scopes = scope != null ? splitScopes(scope)
                : current != null ? current.scopes() : settings.scopes();
        return new Credential(accessToken, refreshToken, expiry(body, arrivedAt), scopes,
                current == null ? Map.of() : current.extra());
    }

    /** Every site the grant reaches, in the provider's (meaningless) order, one account per cloud ID. */
    private List<ExternalAccount> accessibleSites(String accessToken) throws ProviderException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        ProviderHttp.uri(settings.apiUrl(), "/oauth/token/accessible-resources"))
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json")
                .GET();
        ProviderHttp.Answer answer = http.send(request, PROVIDER);
        if (answer.status() != 200) {
            throw apiFailure(answer, "accessible-resources");
        }
        JsonNode body = parse(answer.body());
        if (body == null || !body.isArray()) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response",
                    "Atlassian's accessible-resources answer is not a JSON array");
        }
        Map<String, ExternalAccount> sites = new LinkedHashMap<>();
        for (JsonNode site : body) {
            String id = text(site, "id");
            if (id != null) {
                sites.putIfAbsent(id, new ExternalAccount(id, siteName(site, id)));
            }
        }
        return new ArrayList<>(sites.values());
    }

    private static String siteName(JsonNode site, String id) {
        String name = text(site, "name");
        if (name != null) {
            return name;
        }
        String url = text(site, "url");
        return url != null ? url : id;
    }

    /**
     * docs/vault-providers.md, "Rules shared by every provider" for Atlassian: invalid_grant and unauthorized_client "refresh_token is
     * invalid" end the connection; invalid_client and access_denied mean our client settings are
     * wrong; 5xx, 429 and 408 pass.
     */
    private static ProviderException tokenFailure(ProviderHttp.Answer answer, JsonNode body) {
        if (isTransientStatus(answer.status())) {
            return transientFailure(answer);
        }
        String error = text(body, "error");
        String description = description(body);
        if (error == null) {
            if (answer.status() == 200) {
                return new ProviderException(Kind.TRANSIENT, "malformed_response",
                        "Atlassian's token endpoint answered 200 without an access token");
            }
            return new ProviderException(Kind.CONFIGURATION, "http_" + answer.status(),
                    "Atlassian's token endpoint refused the request with HTTP " + answer.status());
        }
        String message = "Atlassian's token endpoint answered " + error + (description.isEmpty() ? "" : ": " + description);
        return new ProviderException(classifyTokenError(error, description), error, message);
    }

    private static Kind classifyTokenError(String error, String description) {
        return switch (error) {
            case "invalid_grant" -> Kind.PERMANENT;
            // The observed dead-refresh-token shape; otherwise (RFC 6749) the client may not use
            // this grant at all, which is our settings' fault, not the connection's.
            case "unauthorized_client" -> description.toLowerCase(Locale.ROOT).contains("refresh_token")
                    ? Kind.PERMANENT : Kind.CONFIGURATION;
            case "temporarily_unavailable", "server_error" -> Kind.TRANSIENT;
            default -> Kind.CONFIGURATION; // invalid_client, access_denied, invalid_request, …
        };
    }

    /** A failed API call with a token we just received: 401/403 = the token is not accepted. */
    private static ProviderException apiFailure(ProviderHttp.Answer answer, String call) {
        if (isTransientStatus(answer.status())) {
            return transientFailure(answer);
        }
        if (answer.status() == 401 || answer.status() == 403) {
            return new ProviderException(Kind.PERMANENT, "unauthorized",
                    "Atlassian refused the new access token on " + call + " with HTTP " + answer.status());
        }
        return new ProviderException(Kind.CONFIGURATION, "http_" + answer.status(),
                "Atlassian answered " + call + " with HTTP " + answer.status() + " (is the API URL right?)");
    }

    private static boolean isTransientStatus(int status) {
        return status >= 500 || status == 429 || status == 408;
    }

    private static ProviderException transientFailure(ProviderHttp.Answer answer) {
        String label = answer.status() == 429 ? "rate_limited" : "http_" + answer.status();
        return new ProviderException(Kind.TRANSIENT, label,
                "Atlassian answered HTTP " + answer.status(), answer.retryAfter());
    }

    /** Arrival time + expires_in, read leniently (a number or a numeric string); null when absent. */
    private static Instant expiry(JsonNode body, Instant arrivedAt) {
        JsonNode value = body.get("expires_in");
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            long seconds = value.isNumber() ? value.asLong() : Long.parseLong(value.asText().trim());
            return seconds > 0 ? arrivedAt.plusSeconds(seconds) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> splitScopes(String scope) {
        return Arrays.stream(scope.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    /** The provider's description, shortened; it never holds a token of ours. */
    private static String description(JsonNode body) {
        String description = text(body, "error_description");
        if (description == null) {
            return "";
        }
        return description.length() > MAX_DESCRIPTION ? description.substring(0, MAX_DESCRIPTION) + "…" : description;
    }

    /** The body as JSON, or null when it is not JSON (a proxy's HTML error page, say). */
    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return ProviderJson.parse(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode value = node.get(field);
        return value == null || !value.isValueNode() || value.isNull() || value.asText().isBlank() ? null : value.asText();
    }
}
