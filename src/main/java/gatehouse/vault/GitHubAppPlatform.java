package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GitHub App installations. The browser installs the app with "Request user authorization (OAuth)
 * during installation" on, so the callback carries a {@code code} beside {@code installation_id}.
 * The installation ID alone proves nothing — anyone can type another customer's ID into the URL, and
 * that installation exists for the app's JWT all the same — so the code is exchanged (with the App's
 * own client ID and secret) for a token of the user who installed, and the installation is accepted
 * only if {@code GET /user/installations} with that token lists it. The user token is revoked at
 * once: nothing needs it later.
 *
 * <p>The credential is a one-hour installation token that cannot be refreshed: a new one is minted
 * from the installation ID kept in {@code extra}, so every credential of this kind is renewable as
 * long as the app stays installed.
 */
public final class GitHubAppPlatform implements Platform {
    /** The {@link Credential#extra()} key holding the installation ID. */
    public static final String INSTALLATION_ID = "installation_id";
    // GitHub refuses exp more than 10 minutes ahead of its clock; iat in the past absorbs clock drift.
    private static final long JWT_BACKDATE_SECONDS = 60;
    private static final long JWT_LIFETIME_SECONDS = 540;
    /** How many pages of the user's installations are read looking for the one installed (100 each). */
    private static final int MAX_INSTALLATION_PAGES = 20;

    private final PlatformSettings.GitHubApp settings;
    private final GitHubUserTokens userTokens;
    private final ProviderHttp http;
    private final Clock clock;
    private final RSASSASigner signer;

    /** @throws IllegalArgumentException when the private key is not an RSA key in PKCS#1 or PKCS#8 PEM */
    public GitHubAppPlatform(PlatformSettings.GitHubApp settings, ProviderHttp http, Clock clock) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
        RSAPrivateKey key = RsaPem.privateKey(settings.privateKeyPem());
        this.signer = new RSASSASigner(key);
        this.userTokens = new GitHubUserTokens(settings.clientId(), settings.clientSecret(), settings.webUrl(),
                settings.apiUrl(), http, clock);
    }

    @Override
    public String name() {
        return "github";
    }

    @Override
    public String kind() {
        return "app";
    }

    @Override
    public boolean usesPkce() {
        return false;
    }

    /** Only {@code state} survives GitHub's install pages; the browser returns to the app's Setup URL. */
    @Override
    public URI authorizeUrl(String state, String redirectUri, String codeChallenge) {
        String path = "/apps/" + ProviderHttp.encode(settings.slug()) + "/installations/new";
        return URI.create(ProviderHttp.uri(settings.webUrl(), path) + "?state=" + ProviderHttp.encode(state));
    }

    /**
     * {@code setup_action} is {@code install} or {@code update} (an already installed app); a
     * {@code request} means an org owner still has to approve, and there is no installation yet.
     * Nothing is minted for an installation the installing user's own token does not list.
     */
    @Override
    public Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier) throws ProviderException {
        String installationId = callback.get("installation_id");
        if ("request".equals(callback.get("setup_action")) || installationId == null || installationId.isBlank()) {
            throw new ProviderException(Kind.PERMANENT, "no_installation",
                    "no installation: the GitHub App was requested, not installed (an organization owner must approve it)");
        }
        if (!installationId.matches("\\d{1,19}")) {
            throw new ProviderException(Kind.PERMANENT, "no_installation", "no installation: installation_id is not a number");
        }
        String code = callback.get("code");
        if (code == null || code.isBlank()) {
            throw new ProviderException(Kind.PERMANENT, "missing_code", "the installation carries no user authorization "
                    + "(code): turn on \"Request user authorization (OAuth) during installation\" in the GitHub App");
        }
        ExternalAccount account = installationOfInstallingUser(code, redirectUri, installationId);
        return new Authorization(mintInstallationToken(installationId), List.of(account));
    }

    /**
     * The account of the installation, if the user whose browser came back with {@code code} can
     * reach it; refused otherwise. The user token proves that and is then revoked.
     */
    private ExternalAccount installationOfInstallingUser(String code, String redirectUri, String installationId)
            throws ProviderException {
        Credential user = userTokens.exchange(code, redirectUri, null);
        try {
            return findUserInstallation(user.accessToken(), installationId)
                    .orElseThrow(() -> new ProviderException(Kind.PERMANENT, "installation_not_accessible",
                            "the installing GitHub user cannot reach installation " + installationId));
        } finally {
            revokeQuietly(user.accessToken());
        }
    }

    /** GET /user/installations (paginated) with the user token; the entry's account when it lists the ID. */
    private Optional<ExternalAccount> findUserInstallation(String userToken, String installationId)
            throws ProviderException {
        for (int page = 1; page <= MAX_INSTALLATION_PAGES; page++) {
            URI uri = URI.create(ProviderHttp.uri(settings.apiUrl(), "/user/installations") + "?per_page=100&page=" + page);
            ProviderHttp.Answer answer = http.send(GitHubHttp.rest(uri, userToken).GET(), GitHubHttp.PROVIDER);
            if (answer.status() != 200) {
                throw failure(answer, "list the user's installations");
            }
            JsonNode installations = GitHubHttp.json(answer).path("installations");
            if (!installations.isArray()) {
                throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's /user/installations has no list");
            }
            for (JsonNode installation : installations) {
                if (installationId.equals(installation.path("id").asText())) {
                    return Optional.of(account(installation.path("account")));
                }
            }
            if (installations.size() < 100) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private void revokeQuietly(String userToken) {
        try {
            userTokens.revoke(userToken);
        } catch (ProviderException | RuntimeException e) {
            // Best effort: an unused user token expires by itself within hours.
        }
    }

    @Override
    public Credential refresh(Credential current) throws ProviderException {
        String installationId = current.extra().get(INSTALLATION_ID);
        if (installationId == null) {
            throw new IllegalStateException("this GitHub App credential has no installation_id");
        }
        return mintInstallationToken(installationId);
    }

    @Override
    public boolean canRefresh(Credential credential) {
        return credential.extra().containsKey(INSTALLATION_ID);
    }

    /**
     * A re-authorization of the same installation: the old installation token is revoked with
     * itself (DELETE /installation/token); the installation stays.
     */
    @Override
    public void retire(Credential superseded, Credential successor) throws ProviderException {
        if (superseded.accessToken().equals(successor.accessToken())
                || superseded.expiresAt() != null && !superseded.expiresAt().isAfter(clock.instant())) {
            return;
        }
        ProviderHttp.Answer answer = http.send(GitHubHttp.rest(ProviderHttp.uri(settings.apiUrl(), "/installation/token"),
                superseded.accessToken()).DELETE(), GitHubHttp.PROVIDER);
        if (answer.status() != 204 && answer.status() != 401 && answer.status() != 404) {
            throw failure(answer, "revoke the replaced installation token");
        }
    }

    /** Uninstalls the app from the account (DELETE /app/installations/{id}); 404 = already gone. */
    @Override
    public void revoke(Credential credential) throws ProviderException {
        String installationId = credential.extra().get(INSTALLATION_ID);
        if (installationId == null) {
            return;
        }
        ProviderHttp.Answer answer = http.send(appRequest("/app/installations/" + installationId).DELETE(), GitHubHttp.PROVIDER);
        if (answer.status() == 204 || answer.status() == 404) {
            return;
        }
        throw failure(answer, "uninstall the app");
    }

    /**
     * The scheduled credential check: the installation still exists ({@code GET /app/installations/{id}}
     * with the App's JWT; 404 = uninstalled). A suspension is the webhook's to report, not a dead grant.
     */
    @Override
    public void check(Credential credential) throws ProviderException {
        String installationId = credential.extra().get(INSTALLATION_ID);
        if (installationId == null) {
            return;
        }
        ProviderHttp.Answer answer = http.send(appRequest("/app/installations/" + installationId).GET(), GitHubHttp.PROVIDER);
        if (answer.status() != 200) {
            throw failure(answer, "find the installation");
        }
    }

    private static ExternalAccount account(JsonNode account) throws ProviderException {
        JsonNode id = account.path("id");
        String login = account.path("login").asText(null);
        if (!(id.isIntegralNumber() || id.isTextual()) || login == null) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's installation has no account id or login");
        }
        return new ExternalAccount(id.asText(), login);
    }

    /** POST /app/installations/{id}/access_tokens → 201 {token, expires_at, permissions}. */
    private Credential mintInstallationToken(String installationId) throws ProviderException {
        HttpRequest.Builder request = appRequest("/app/installations/" + installationId + "/access_tokens")
                .POST(HttpRequest.BodyPublishers.noBody());
        ProviderHttp.Answer answer = http.send(request, GitHubHttp.PROVIDER);
        if (answer.status() != 201 && answer.status() != 200) {
            throw failure(answer, "mint an installation token");
        }
        JsonNode body = GitHubHttp.json(answer);
        String token = body.path("token").asText(null);
        if (token == null || token.isBlank()) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's installation token answer has no token");
        }
        return new Credential(token, null, expiresAt(body.path("expires_at")), permissions(body.path("permissions")),
                Map.of(INSTALLATION_ID, installationId));
    }

    /**
     * An installation's failure (docs/vault-providers.md, "How failures are classified"): gone or
     * suspended is the connection's end, a bad JWT is ours.
     */
    private ProviderException failure(ProviderHttp.Answer answer, String what) {
        ProviderException retryable = GitHubHttp.retryable(answer, clock);
        if (retryable != null) {
            return retryable;
        }
        String message = GitHubHttp.message(answer);
        String detail = "GitHub could not " + what + ": " + answer.status() + " " + message;
        return switch (answer.status()) {
            case 404 -> message.contains("Integration not found")
                    // An unknown JWT issuer: GATEHOUSE_GITHUB_APP_ID is wrong, the installation may be fine.
                    ? new ProviderException(Kind.CONFIGURATION, "integration_not_found", detail)
                    : new ProviderException(Kind.PERMANENT, "installation_not_found", detail);
            case 403 -> message.toLowerCase().contains("suspended")
                    ? new ProviderException(Kind.PERMANENT, "installation_suspended", detail)
                    : new ProviderException(Kind.PERMANENT, "forbidden", detail);
            case 401 -> new ProviderException(Kind.CONFIGURATION, "bad_app_jwt", detail);
            // 422: the installation lacks permissions we asked for; our request is what must change.
            case 422 -> new ProviderException(Kind.CONFIGURATION, "unprocessable", detail);
            default -> new ProviderException(Kind.CONFIGURATION, "http_" + answer.status(), detail);
        };
    }

    private HttpRequest.Builder appRequest(String path) throws ProviderException {
        return GitHubHttp.rest(ProviderHttp.uri(settings.apiUrl(), path), appJwt());
    }

    /** The app's JWT: RS256, iat 60 s back, exp 540 s ahead, iss = app ID. */
    String appJwt() throws ProviderException {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(settings.appId())
                .issueTime(Date.from(now.minusSeconds(JWT_BACKDATE_SECONDS)))
                .expirationTime(Date.from(now.plusSeconds(JWT_LIFETIME_SECONDS)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new ProviderException(Kind.CONFIGURATION, "app_key", "the GitHub App private key cannot sign: " + e.getMessage());
        }
    }

    private Instant expiresAt(JsonNode expiresAt) throws ProviderException {
        if (!expiresAt.isTextual()) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's installation token has no expires_at");
        }
        try {
            return Instant.parse(expiresAt.asText());
        } catch (DateTimeParseException e) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", "GitHub's installation token expires_at is not ISO-8601");
        }
    }

    /** The token's permissions as {@code name:level} (e.g. {@code contents:read}), the closest thing to scopes. */
    private static List<String> permissions(JsonNode permissions) {
        List<String> scopes = new ArrayList<>();
        permissions.properties().forEach(e -> scopes.add(e.getKey() + ":" + e.getValue().asText()));
        scopes.sort(null);
        return scopes;
    }
}
