package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
        List<String> scopes = scope != null ? ProviderAnswers.splitScopes(scope)
                : current != null ? current.scopes() : settings.scopes();
        return new Credential(accessToken, refreshToken, expiry(body, arrivedAt), scopes,
                current == null ? Map.of() : current.extra());
    }

    /** The scheduled credential check: the grant still reaches its sites (401 = revoked at Atlassian). */
    @Override
    public void check(Credential credential) throws ProviderException {
        accessibleSites(credential.accessToken());
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

    private static ProviderException tokenFailure(ProviderHttp.Answer answer, JsonNode body) {
        return ProviderAnswers.tokenFailure(PROVIDER, answer, text(body, "error"), text(body, "error_description"));
    }

    private static ProviderException apiFailure(ProviderHttp.Answer answer, String call) {
        return ProviderAnswers.apiFailure(PROVIDER, answer, call);
    }

    private static Instant expiry(JsonNode body, Instant arrivedAt) {
        return ProviderAnswers.expiry(body.get("expires_in"), arrivedAt);
    }

    private static JsonNode parse(String body) {
        return ProviderAnswers.parse(body);
    }

    private static String text(JsonNode node, String field) {
        return ProviderAnswers.text(node, field);
    }
}
