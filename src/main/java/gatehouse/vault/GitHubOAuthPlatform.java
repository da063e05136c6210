package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitHub OAuth App web flow (docs/vault-providers.md, "OAuth App"). Classic {@code gho_} tokens do not expire and cannot
 * be refreshed; when the client is a GitHub App's (expiring {@code ghu_} user tokens), the answer
 * carries {@code expires_in} + {@code refresh_token} and {@link #refresh} spends that rotating
 * refresh token. The connection's account is the GitHub user who authorized: the token acts as that
 * user, whichever organizations they belong to.
 */
public final class GitHubOAuthPlatform implements Platform {
    private final PlatformSettings.GitHubOAuth settings;
    private final GitHubUserTokens tokens;
    private final ProviderHttp http;
    private final Clock clock;

    public GitHubOAuthPlatform(PlatformSettings.GitHubOAuth settings, ProviderHttp http, Clock clock) {
        this.settings = settings;
        this.tokens = new GitHubUserTokens(settings.clientId(), settings.clientSecret(), settings.webUrl(),
                settings.apiUrl(), http, clock);
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
        Credential credential = tokens.exchange(code, redirectUri, codeVerifier);
        return new Authorization(credential, List.of(readUser(credential.accessToken())));
    }

    @Override
    public Credential refresh(Credential current) throws ProviderException {
        if (!canRefresh(current)) {
            // A non-expiring gho_ token has nothing to refresh: the caller should have asked canRefresh.
            throw new IllegalStateException("this GitHub credential has no refresh token");
        }
        return tokens.refresh(current);
    }

    @Override
    public boolean canRefresh(Credential credential) {
        return credential.refreshToken() != null;
    }

    /** GitHub App user tokens ({@code ghu_}) die the moment their refresh token is spent. */
    @Override
    public boolean refreshKillsAccessToken(Credential credential) {
        return canRefresh(credential);
    }

    @Override
    public void revoke(Credential credential) throws ProviderException {
        tokens.revoke(credential.accessToken());
    }

    /** A new authorization of the same GitHub user: the old token goes, the user's grant stays. */
    @Override
    public void retire(Credential superseded, Credential successor) throws ProviderException {
        if (!superseded.accessToken().equals(successor.accessToken())) {
            tokens.revoke(superseded.accessToken());
        }
    }

    /** The scheduled credential check: {@code GET /user} with the token (401 = the user revoked it). */
    @Override
    public void check(Credential credential) throws ProviderException {
        readUser(credential.accessToken());
    }

    /** GET /user: the account the token acts as. */
    private ExternalAccount readUser(String accessToken) throws ProviderException {
        ProviderHttp.Answer answer = http.send(GitHubHttp.rest(ProviderHttp.uri(settings.apiUrl(), "/user"), accessToken).GET(),
                GitHubHttp.PROVIDER);
        if (answer.status() != 200) {
            ProviderException retryable = GitHubHttp.retryable(answer, clock);
            if (retryable != null) {
                throw retryable;
            }
            String detail = "GitHub could not read the user: " + answer.status() + " " + GitHubHttp.message(answer);
            throw new ProviderException(Kind.PERMANENT, answer.status() == 401 ? "bad_credentials" : "http_" + answer.status(),
                    detail);
        }
        JsonNode user = GitHubHttp.json(answer);
        JsonNode id = user.path("id");
        String login = user.path("login").asText(null);
        if (!id.isIntegralNumber() && !id.isTextual() || login == null) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's /user answer has no id or login");
        }
        return new ExternalAccount(id.asText(), login);
    }
}
