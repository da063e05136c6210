package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Slack OAuth v2 (docs/vault-providers.md, "Slack"): {@code oauth.v2.access} for the code and for refreshes (token
 * rotation), errors as {@code "ok": false} in HTTP 200 (429 only for rate limiting), the workspace
 * as {@code team.id} — or {@code enterprise.id} for an org-wide Enterprise Grid install —, and
 * {@code auth.revoke} to disconnect. The bot token is the connection's token; a user token, when
 * user scopes were asked for, is kept (and revoked) alongside it.
 */
public final class SlackPlatform implements Platform {
    private static final Set<String> PERMANENT = Set.of("invalid_refresh_token", "invalid_code", "token_revoked",
            "token_expired", "invalid_auth", "account_inactive", "not_authed");
    private static final Set<String> CONFIGURATION = Set.of("invalid_client_id", "bad_client_secret",
            "bad_redirect_uri", "invalid_grant_type", "oauth_authorization_url_mismatch", "pkce_not_allowed");

    private final PlatformSettings.Slack settings;
    private final ProviderHttp http;
    private final Clock clock;

    public SlackPlatform(PlatformSettings.Slack settings, ProviderHttp http, Clock clock) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "slack";
    }

    @Override
    public String kind() {
        return "oauth";
    }

    @Override
    public boolean usesPkce() {
        return false;
    }

    @Override
    public URI authorizeUrl(String state, String redirectUri, String codeChallenge) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", settings.clientId());
        query.put("scope", String.join(",", settings.scopes()));
        query.put("user_scope", String.join(",", settings.userScopes()));
        query.put("redirect_uri", redirectUri);
        query.put("state", state);
        return ProviderHttp.withQuery(settings.webUrl(), "/oauth/v2/authorize", query);
    }

    @Override
    public Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier)
            throws ProviderException {
        String code = callback.get("code");
        if (code == null || code.isBlank()) {
            throw new ProviderException(ProviderException.Kind.PERMANENT, "missing_code", "Slack sent no code");
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        JsonNode answer = access(form);
        JsonNode team = answer.path("team");
        JsonNode enterprise = answer.path("enterprise");
        boolean orgWide = answer.path("is_enterprise_install").asBoolean(false);
        JsonNode workspace = orgWide ? enterprise : team;
        if (!workspace.hasNonNull("id")) {
            throw new ProviderException(ProviderException.Kind.PERMANENT, "no_workspace", "Slack named no workspace");
        }
        Map<String, String> extra = new LinkedHashMap<>();
        JsonNode user = answer.path("authed_user");
        if (user.hasNonNull("access_token")) {
            extra.put("user_token", user.get("access_token").asText());
            if (user.hasNonNull("refresh_token")) {
                extra.put("user_refresh_token", user.get("refresh_token").asText());
            }
        }
        if (answer.hasNonNull("bot_user_id")) {
            extra.put("bot_user_id", answer.get("bot_user_id").asText());
        }
        if (enterprise.hasNonNull("id")) {
            extra.put("enterprise_id", enterprise.get("id").asText());
        }
        Credential credential = answer.hasNonNull("access_token")
                ? credential(answer, extra)
                : credential(user, extra); // user scopes only: the token is the user's
        // A workspace of an Enterprise Grid: the grid, connected as a whole, would reach it too.
        String grid = !orgWide && enterprise.hasNonNull("id") ? enterprise.get("id").asText() : null;
        return new Authorization(credential, List.of(new Authorization.ExternalAccount(workspace.get("id").asText(),
                workspace.path("name").asText(null), grid)));
    }

    @Override
    public Credential refresh(Credential current) throws ProviderException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", current.refreshToken());
        JsonNode answer = access(form);
        return credential(answer, current.extra());
    }

    @Override
    public boolean canRefresh(Credential credential) {
        return credential.refreshToken() != null;
    }

    @Override
    public void revoke(Credential credential) throws ProviderException {
        revokeToken(credential.accessToken());
        String userToken = credential.extra().get("user_token");
        if (userToken != null) {
            revokeToken(userToken);
        }
    }

    /** A reinstall in the same workspace: tokens the new installation does not use any more are revoked. */
    @Override
    public void retire(Credential superseded, Credential successor) throws ProviderException {
        Set<String> kept = new HashSet<>();
        kept.add(successor.accessToken());
        if (successor.extra().get("user_token") != null) {
            kept.add(successor.extra().get("user_token"));
        }
        if (!kept.contains(superseded.accessToken())) {
            revokeToken(superseded.accessToken());
        }
        String oldUserToken = superseded.extra().get("user_token");
        if (oldUserToken != null && !kept.contains(oldUserToken)) {
            revokeToken(oldUserToken);
        }
    }

    /** {@code auth.test}: Slack's cheapest proof that the token still works. */
    @Override
    public void check(Credential credential) throws ProviderException {
        var request = HttpRequest.newBuilder(ProviderHttp.uri(settings.apiUrl(), "/auth.test"))
                .header("Authorization", "Bearer " + credential.accessToken())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(ProviderHttp.form(Map.of()));
        ProviderHttp.Answer answer = http.send(request, "Slack");
        if (answer.status() == 429 || answer.status() >= 500) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "http_" + answer.status(),
                    "Slack answered " + answer.status(), answer.retryAfter());
        }
        JsonNode body = parse(answer);
        if (!body.path("ok").asBoolean(false)) {
            throw classify(body.path("error").asText("unknown"), answer.retryAfter());
        }
    }

    private void revokeToken(String token) throws ProviderException {
        var request = HttpRequest.newBuilder(ProviderHttp.uri(settings.apiUrl(), "/auth.revoke"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(ProviderHttp.form(Map.of()));
        JsonNode answer = parse(http.send(request, "Slack"));
        if (!answer.path("ok").asBoolean(false)) {
            String error = answer.path("error").asText("unknown");
            if (!PERMANENT.contains(error)) { // an already dead token is revoked enough
                throw classify(error, 0);
            }
        }
    }

    /** {@code oauth.v2.access} with HTTP Basic client credentials (Slack's preferred way). */
    private JsonNode access(Map<String, String> form) throws ProviderException {
        String basic = Base64.getEncoder().encodeToString((settings.clientId() + ":" + settings.clientSecret())
                .getBytes(StandardCharsets.UTF_8));
        var request = HttpRequest.newBuilder(ProviderHttp.uri(settings.apiUrl(), "/oauth.v2.access"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(ProviderHttp.form(form));
        ProviderHttp.Answer answer = http.send(request, "Slack");
        if (answer.status() == 429) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "ratelimited", "Slack is rate limiting",
                    answer.retryAfter());
        }
        if (answer.status() >= 500) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "http_" + answer.status(),
                    "Slack answered " + answer.status());
        }
        JsonNode body = parse(answer);
        if (!body.path("ok").asBoolean(false)) {
            throw classify(body.path("error").asText("unknown"), answer.retryAfter());
        }
        return body;
    }

    private static ProviderException classify(String error, long retryAfter) {
        if (PERMANENT.contains(error)) {
            return new ProviderException(ProviderException.Kind.PERMANENT, error, "Slack refused: " + error);
        }
        if (CONFIGURATION.contains(error)) {
            return new ProviderException(ProviderException.Kind.CONFIGURATION, error,
                    "Slack refused Gatehouse's settings: " + error);
        }
        return new ProviderException(ProviderException.Kind.TRANSIENT, error, "Slack failed: " + error, retryAfter);
    }

    /**
     * The credential in a token answer. Read leniently: after a refresh the old pair may already be
     * dead, so an answer that carries a token is kept even when another field is odd.
     */
    private Credential credential(JsonNode token, Map<String, String> extra) throws ProviderException {
        String accessToken = token.path("access_token").asText(null);
        if (accessToken == null || accessToken.isBlank()) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "malformed_response",
                    "Slack's answer carries no access token");
        }
        List<String> scopes = new ArrayList<>();
        for (String scope : token.path("scope").asText("").split(",")) {
            if (!scope.isBlank()) {
                scopes.add(scope.trim());
            }
        }
        return new Credential(accessToken, token.path("refresh_token").asText(null), expiresAt(token.path("expires_in")),
                scopes, extra);
    }

    /** Arrival + expires_in (a number or a numeric string); null when absent or unreadable. */
    private Instant expiresAt(JsonNode expiresIn) {
        try {
            long seconds = expiresIn.isNumber() ? expiresIn.asLong() : Long.parseLong(expiresIn.asText("").trim());
            return seconds > 0 ? clock.instant().plusSeconds(seconds) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static JsonNode parse(ProviderHttp.Answer answer) throws ProviderException {
        try {
            return ProviderJson.parse(answer.body());
        } catch (IOException | RuntimeException e) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "bad_response",
                    "Slack answered something that is not JSON (HTTP " + answer.status() + ")");
        }
    }
}
