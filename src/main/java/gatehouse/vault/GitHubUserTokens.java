package gatehouse.vault;

import gatehouse.vault.ProviderException.Kind;
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
 * GitHub's user-token web flow for one OAuth client (an OAuth App's, or a GitHub App's own client ID
 * and secret): the token endpoint for codes and refreshes, and token revocation. Errors arrive with
 * status 200, so the body decides. Classic {@code gho_} tokens do not expire; GitHub App user tokens
 * ({@code ghu_}) carry {@code expires_in} and a rotating {@code refresh_token}.
 */
final class GitHubUserTokens {
    private static final Set<String> CONFIGURATION_ERRORS = Set.of(
            "incorrect_client_credentials", "redirect_uri_mismatch", "application_suspended",
            "unsupported_grant_type", "invalid_client");

    private final String clientId;
    private final String clientSecret;
    private final String webUrl;
    private final String apiUrl;
    private final ProviderHttp http;
    private final Clock clock;

    GitHubUserTokens(String clientId, String clientSecret, String webUrl, String apiUrl, ProviderHttp http, Clock clock) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.webUrl = webUrl;
        this.apiUrl = apiUrl;
        this.http = http;
        this.clock = clock;
    }

    String clientId() {
        return clientId;
    }

    /** Exchanges a callback's code (single use: never retried) for a user token. */
    Credential exchange(String code, String redirectUri, String codeVerifier) throws ProviderException {
        Map<String, String> form = credentials();
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("code_verifier", codeVerifier);
        return tokenRequest(form, List.of());
    }

    /** Spends the credential's rotating refresh token for a new pair. */
    Credential refresh(Credential current) throws ProviderException {
        Map<String, String> form = credentials();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", current.refreshToken());
        return tokenRequest(form, current.scopes());
    }

    /** DELETE /applications/{client_id}/token; 404/422 mean the token is already gone. */
    void revoke(String accessToken) throws ProviderException {
        String body = ProviderJson.object().put("access_token", accessToken).toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        ProviderHttp.uri(apiUrl, "/applications/" + ProviderHttp.encode(clientId) + "/token"))
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
        ProviderException retryable = GitHubHttp.retryable(answer, clock);
        if (retryable != null) {
            throw retryable;
        }
        throw new ProviderException(status == 401 ? Kind.CONFIGURATION : Kind.PERMANENT,
                status == 401 ? "bad_client_credentials" : "http_" + status,
                "GitHub could not revoke the token: " + status + " " + GitHubHttp.message(answer));
    }

    private Map<String, String> credentials() {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", clientId);
        form.put("client_secret", clientSecret);
        return form;
    }

    /** The token endpoint (code or refresh grant): errors arrive with status 200, so the body decides. */
    private Credential tokenRequest(Map<String, String> form, List<String> previousScopes) throws ProviderException {
        HttpRequest.Builder request = HttpRequest.newBuilder(ProviderHttp.uri(webUrl, "/login/oauth/access_token"))
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

    private String basicAuth() {
        String pair = clientId + ":" + clientSecret;
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
