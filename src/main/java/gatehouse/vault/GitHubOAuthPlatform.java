package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import gatehouse.web.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GitHub OAuth App web flow (PROVIDERS.md §2). Classic {@code gho_} tokens do not expire and cannot
 * be refreshed; when the client is a GitHub App's (expiring {@code ghu_} user tokens), the answer
 * carries {@code expires_in} + {@code refresh_token} and {@link #refresh} spends that rotating
 * refresh token. The connection's account is the GitHub user who authorized: the token acts as that
 * user, whichever organizations they belong to.
 */
public final class GitHubOAuthPlatform implements Platform {
    private static final Set<String> CONFIGURATION_ERRORS = Set.of(
            "incorrect_client_credentials", "redirect_uri_mismatch", "application_suspended",
            "unsupported_grant_type", "invalid_client");

    private final PlatformSettings.GitHubOAuth settings;
    private final ProviderHttp http;
    private final Clock clock;

    public GitHubOAuthPlatform(PlatformSettings.GitHubOAuth settings, ProviderHttp http, Clock clock) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "github";
    }

    @Override
    public String kind() {
        return "oauth";
    }

    @Override
    public boolean usesPkce() {
        return true;
    }

    @Override
    public URI authorizeUrl(String state, String redirectUri, String codeChallenge) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", settings.clientId());
        query.put("redirect_uri", redirectUri);
        if (settings.scopes() != null && !settings.scopes().isEmpty()) {
            query.put("scope", String.join(" ", settings.scopes()));
        }
        query.put("state", state);
        query.put("allow_signup", "false");
        if (codeChallenge != null) {
            query.put("code_challenge", codeChallenge);
            query.put("code_challenge_method", "S256");
        }
        return ProviderHttp.withQuery(settings.webUrl(), "/login/oauth/authorize", query);
    }

    @Override
    public Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier) throws ProviderException {
        String code = callback.get("code");
        if (code == null || code.isBlank()) {
            throw new ProviderException(Kind.PERMANENT, "missing_code", "GitHub's callback carries no code");
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", settings.clientId());
        form.put("client_secret", settings.clientSecret());
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("code_verifier", codeVerifier);
        Credential credential = tokenRequest(form, List.of());
        return new Authorization(credential, List.of(readUser(credential.accessToken())));
    }

    @Override
    public Credential refresh(Credential current) throws ProviderException {
        if (!canRefresh(current)) {
            // A non-expiring gho_ token has nothing to refresh: the caller should have asked canRefresh.
            throw new IllegalStateException("this GitHub credential has no refresh token");
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", settings.clientId());
        form.put("client_secret", settings.clientSecret());
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", current.refreshToken());
        return tokenRequest(form, current.scopes());
    }

    @Override
    public boolean canRefresh(Credential credential) {
        return credential.refreshToken() != null;
    }

    /** DELETE /applications/{client_id}/token; 404/422 mean the token is already gone. */
    @Override
    public void revoke(Credential credential) throws ProviderException {
        String body = Json.MAPPER.createObjectNode().put("access_token", credential.accessToken()).toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        ProviderHttp.uri(settings.apiUrl(), "/applications/" + ProviderHttp.encode(settings.clientId()) + "/token"))
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("Authorization", basicAuth())
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body));
        ProviderHttp.Answer answer = http.send(request, GitHubHttp.PROVIDER);
        int status = answer.status();
        if (status == 204 || status == 200 || status == 404 || status == 422) {
            return;
        }
        throwRestFailure(answer, "revoke");
    }

    /** The token endpoint (code or refresh grant): errors arrive with status 200, so the body decides. */
    private Credential tokenRequest(Map<String, String> form, List<String> previousScopes) throws ProviderException {
        HttpRequest.Builder request = HttpRequest.newBuilder(ProviderHttp.uri(settings.webUrl(), "/login/oauth/access_token"))
                .header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(ProviderHttp.form(form));
        ProviderHttp.Answer answer = http.send(request, GitHubHttp.PROVIDER);
        Instant arrival = clock.instant();
        ProviderException retryable = GitHubHttp.retryable(answer, clock);
        if (retryable != null) {
            throw retryable;
        }
        Map<String, String> fields = GitHubHttp.tokenFields(answer);
        if (fields.containsKey("error")) {
            throw tokenError(fields.get("error"));
        }
        if (answer.status() != 200) {
            throw new ProviderException(Kind.CONFIGURATION, "http_" + answer.status(),
                    "GitHub's token endpoint answered " + answer.status() + "; check GATEHOUSE_GITHUB_WEB_URL");
        }
        String accessToken = fields.get("access_token");
        if (accessToken == null || accessToken.isBlank()) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's token answer has no access_token");
        }
        List<String> scopes = fields.containsKey("scope") && !fields.get("scope").isBlank()
                ? GitHubHttp.scopes(fields.get("scope")) : previousScopes;
        Instant expiresAt = GitHubHttp.expiresAt(fields.get("expires_in"), arrival);
        // A refresh token only makes sense with an expiring access token (GitHub App user tokens).
        String refreshToken = expiresAt == null ? null : blankToNull(fields.get("refresh_token"));
        return new Credential(accessToken, refreshToken, expiresAt, scopes, Map.of());
    }

    private static ProviderException tokenError(String error) {
        String message = "GitHub refused the token request: " + error;
        if (CONFIGURATION_ERRORS.contains(error)) {
            return new ProviderException(Kind.CONFIGURATION, error, message);
        }
        // bad_verification_code, bad_refresh_token, unverified_user_email, and any code we do not
        // know: a definite refusal of this grant, not an outage; the user has to authorize again.
        return new ProviderException(Kind.PERMANENT, error, message);
    }

    /** GET /user: the account the token acts as. */
    private ExternalAccount readUser(String accessToken) throws ProviderException {
        ProviderHttp.Answer answer = http.send(GitHubHttp.rest(ProviderHttp.uri(settings.apiUrl(), "/user"), accessToken).GET(),
                GitHubHttp.PROVIDER);
        if (answer.status() != 200) {
            throwRestFailure(answer, "read the user");
        }
        JsonNode user = GitHubHttp.json(answer);
        JsonNode id = user.path("id");
        String login = user.path("login").asText(null);
        if (!id.isIntegralNumber() && !id.isTextual() || login == null) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's /user answer has no id or login");
        }
        return new ExternalAccount(id.asText(), login);
    }

    /** A REST call with a user token or Basic client credentials that did not succeed. */
    private void throwRestFailure(ProviderHttp.Answer answer, String what) throws ProviderException {
        ProviderException retryable = GitHubHttp.retryable(answer, clock);
        if (retryable != null) {
            throw retryable;
        }
        String detail = "GitHub could not " + what + ": " + answer.status() + " " + GitHubHttp.message(answer);
        if (answer.status() == 401 && what.equals("revoke")) {
            throw new ProviderException(Kind.CONFIGURATION, "bad_client_credentials", detail);
        }
        if (answer.status() == 401) {
            throw new ProviderException(Kind.PERMANENT, "bad_credentials", detail);
        }
        throw new ProviderException(Kind.PERMANENT, "http_" + answer.status(), detail);
    }

    private String basicAuth() {
        String pair = settings.clientId() + ":" + settings.clientSecret();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
