package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderDefinition.ClientAuthentication;
import gatehouse.vault.ProviderDefinition.RevocationSend;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain OAuth 2.0 provider driven by its {@link ProviderDefinition}: authorization code (with
 * PKCE when the definition says so), refresh, a "who is this" call, revocation. Values the
 * administrator gave when connecting and fields kept from the token answer live in the
 * credential's {@code extra}, under their placeholder names, so every later call expands the same
 * URLs.
 */
public class DefinedPlatform implements Platform {
    private final PlatformSettings.Defined settings;
    private final ProviderDefinition definition;
    private final ProviderHttp http;
    private final Clock clock;
    private final Accounts accounts;

    /**
     * Who a grant reaches, when a definition's single identity call cannot say it: Jira's grant
     * reaches every site the user granted, one connection each. Also the credential check.
     */
    public interface Accounts {
        List<ExternalAccount> reachedBy(String accessToken) throws ProviderException;
    }

    public DefinedPlatform(PlatformSettings.Defined settings, ProviderHttp http, Clock clock) {
        this(settings, http, clock, null);
    }

    /** A provider whose flows a definition describes but whose accounts {@code accounts} reads (null: the identity call). */
    protected DefinedPlatform(PlatformSettings.Defined settings, ProviderHttp http, Clock clock, Accounts accounts) {
        this.settings = settings;
        this.definition = settings.definition();
        this.http = http;
        this.clock = clock;
        this.accounts = accounts;
    }

    @Override
    public String name() {
        return definition.name();
    }

    @Override
    public String kind() {
        return "oauth";
    }

    @Override
    public boolean usesPkce() {
        return definition.authorize().pkce();
    }

    @Override
    public Map<String, ProviderDefinition.Param> connectionParams() {
        return definition.connectionParams();
    }

    @Override
    public URI authorizeUrl(String state, String redirectUri, String codeChallenge) {
        return authorizeUrl(state, redirectUri, codeChallenge, Map.of());
    }

    @Override
    public URI authorizeUrl(String state, String redirectUri, String codeChallenge, Map<String, String> connectionParams) {
        var authorize = definition.authorize();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", settings.clientId());
        query.put("redirect_uri", redirectUri);
        if (!settings.scopes().isEmpty()) {
            query.put(authorize.scopeParam(), String.join(authorize.scopeSeparator(), settings.scopes()));
        }
        query.put("state", state);
        if (codeChallenge != null) {
            query.put("code_challenge", codeChallenge);
            query.put("code_challenge_method", "S256");
        }
        authorize.params().forEach(query::putIfAbsent);
        return ProviderHttp.withQuery(url(authorize.url(), connectionParams), "", query);
    }

    @Override
    public Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier)
            throws ProviderException {
        return complete(callback, redirectUri, codeVerifier, Map.of());
    }

    @Override
    public Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier,
                                  Map<String, String> connectionParams) throws ProviderException {
        String code = callback.get("code");
        if (code == null || code.isBlank()) {
            throw new ProviderException(Kind.PERMANENT, "missing_code", "the " + label() + " callback carries no code");
        }
        Map<String, String> grant = new LinkedHashMap<>();
        grant.put("grant_type", "authorization_code");
        grant.put("code", code);
        grant.put("redirect_uri", redirectUri);
        if (codeVerifier != null) {
            grant.put("code_verifier", codeVerifier);
        }
        TokenAnswer answer = tokenCall(grant, null, connectionParams);
        if (accounts != null) {
            return new Authorization(answer.credential(), accounts.reachedBy(answer.credential().accessToken()));
        }
        return new Authorization(answer.credential(), List.of(account(answer)));
    }

    @Override
    public Credential refresh(Credential current) throws ProviderException {
        Map<String, String> grant = new LinkedHashMap<>();
        grant.put("grant_type", "refresh_token");
        grant.put("refresh_token", current.refreshToken());
        return tokenCall(grant, current, current.extra()).credential();
    }

    @Override
    public boolean canRefresh(Credential credential) {
        return credential.refreshToken() != null && !credential.refreshToken().isBlank();
    }

    /** The definition's revocation call, when it has one: the refresh token (or access token) it names. */
    @Override
    public void revoke(Credential credential) throws ProviderException {
        var revocation = definition.revocation();
        if (revocation == null) {
            return;
        }
        String token = revocation.refreshToken() && canRefresh(credential) ? credential.refreshToken() : credential.accessToken();
        Map<String, String> values = new LinkedHashMap<>(credential.extra());
        values.put("token", ProviderHttp.encode(token));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(expand(revocation.url(), values)))
                .header("Accept", "application/json");
        revocation.headers().forEach(request::header);
        Map<String, String> fields = new LinkedHashMap<>();
        switch (revocation.send()) {
            case FORM, JSON -> fields.put("token", token);
            case BEARER -> request.header("Authorization", "Bearer " + token);
            case URL -> { }
        }
        if (revocation.clientAuthentication()) {
            authenticate(request, fields);
        }
        HttpRequest.BodyPublisher body = fields.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                : revocation.send() == RevocationSend.JSON ? json(request, fields) : form(request, fields);
        ProviderHttp.Answer answer = http.send(request.method(revocation.method(), body), label());
        if (answer.status() >= 300) {
            throw ProviderAnswers.apiFailure(label(), answer, "revocation");
        }
    }

    /** The identity call with a stored credential: fails PERMANENT when the provider no longer accepts it. */
    @Override
    public void check(Credential credential) throws ProviderException {
        if (accounts == null && definition.identity().url() == null) {
            return;
        }
        try {
            if (accounts != null) {
                accounts.reachedBy(credential.accessToken());
            } else {
                identity(credential.accessToken(), credential.extra());
            }
        } catch (ProviderException e) {
            // Only a 401 says the token is refused; a 403 at a check is a quota or a permission
            // (Salesforce's REQUEST_LIMIT_EXCEEDED), which is no reason to ask for re-authorization.
            if (e.kind() == Kind.PERMANENT && !"unauthorized".equals(e.providerError())) {
                throw new ProviderException(Kind.TRANSIENT, e.providerError(), e.getMessage());
            }
            throw e;
        }
    }

    /** What a token call yielded: the credential, and the answer (an identity may live in it). */
    private record TokenAnswer(Credential credential, JsonNode body) {
    }

    /**
     * One call to the token endpoint. {@code current} is the credential being refreshed (null for a
     * code exchange): what the answer omits (scope, a refresh token, kept fields) is kept from it.
     */
    private TokenAnswer tokenCall(Map<String, String> grant, Credential current, Map<String, String> vars)
            throws ProviderException {
        var spec = definition.token();
        String endpoint = current != null && spec.refreshUrl() != null ? spec.refreshUrl() : spec.url();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(endpoint, vars)))
                .header("Accept", "application/json");
        Map<String, String> fields = new LinkedHashMap<>(grant);
        authenticate(request, fields);
        HttpRequest.BodyPublisher body = spec.jsonBody() ? json(request, fields) : form(request, fields);
        ProviderHttp.Answer answer = http.send(request.POST(body), label());
        Instant arrivedAt = clock.instant();
        JsonNode json = ProviderAnswers.parse(answer.body());
        String accessToken = ProviderAnswers.at(json, spec.field("access_token"));
        String error = ProviderAnswers.at(json, spec.field("error"));
        if (answer.status() != 200 || error != null || accessToken == null) {
            throw ProviderAnswers.tokenFailure(label(), answer, error, ProviderAnswers.text(json, "error_description"));
        }
        String refreshToken = ProviderAnswers.at(json, spec.field("refresh_token"));
        if (refreshToken == null && current != null) {
            // A provider that does not rotate answers no refresh token: the one we hold stays valid.
            refreshToken = current.refreshToken();
        }
        String scope = ProviderAnswers.at(json, spec.field("scope"));
        List<String> scopes = scope != null ? ProviderAnswers.splitScopes(scope)
                : current != null ? current.scopes() : settings.scopes();
        Map<String, String> extra = new LinkedHashMap<>(current != null ? current.extra() : vars);
        for (var keep : spec.keep().entrySet()) {
            String kept = ProviderAnswers.at(json, keep.getValue());
            if (kept != null) {
                extra.put(keep.getKey(), checkedKept(keep.getKey(), kept));
            }
        }
        for (String name : spec.keep().keySet()) {
            if (!extra.containsKey(name)) {
                throw new ProviderException(Kind.TRANSIENT, "malformed_response",
                        label() + "'s token answer lacks " + name + ", which its definition keeps");
            }
        }
        Credential credential = new Credential(accessToken, refreshToken,
                ProviderAnswers.expiry(json.at(spec.field("expires_in")), arrivedAt), scopes, extra);
        return new TokenAnswer(credential, json);
    }

    /**
     * A value kept from a token answer goes into URLs that carry tokens, so it must be what its name
     * says: a {@code *_url} an https origin (Salesforce's instance_url), anything else a plain word.
     * A provider's answer that is not is refused rather than followed.
     */
    private String checkedKept(String name, String value) throws ProviderException {
        boolean ok = name.endsWith("_url")
                ? value.matches((settings.allowHttp() ? "https?" : "https") + "://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?")
                : value.matches("[A-Za-z0-9._-]{1,200}");
        if (!ok) {
            throw new ProviderException(Kind.CONFIGURATION, "malformed_response",
                    label() + "'s token answer has an unusable " + name + "; it is not followed");
        }
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    /** The external account: from the identity call, or from the token answer when the definition has no call. */
    private ExternalAccount account(TokenAnswer answer) throws ProviderException {
        var identity = definition.identity();
        JsonNode source = identity.url() == null ? answer.body()
                : identity(answer.credential().accessToken(), answer.credential().extra());
        String id = ProviderAnswers.at(source, identity.id());
        if (id == null) {
            throw new ProviderException(Kind.CONFIGURATION, "malformed_response",
                    label() + "'s answer has no account ID at " + identity.id() + " (check the definition)");
        }
        String name = ProviderAnswers.at(source, identity.name());
        return new ExternalAccount(id, name != null ? name : id);
    }

    private JsonNode identity(String accessToken, Map<String, String> vars) throws ProviderException {
        var identity = definition.identity();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(identity.url(), vars)))
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json");
        identity.headers().forEach(request::header);
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        if (identity.body() != null) {
            request.header("Content-Type", "application/json");
            body = HttpRequest.BodyPublishers.ofString(identity.body().toString());
        }
        ProviderHttp.Answer answer = http.send(request.method(identity.method(), body), label());
        if (answer.status() != 200) {
            throw ProviderAnswers.apiFailure(label(), answer, "the identity call");
        }
        JsonNode json = ProviderAnswers.parse(answer.body());
        if (json == null) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response", label() + "'s identity answer is not JSON");
        }
        return json;
    }

    /** Client authentication as the definition says: a Basic header, or the pair among the fields. */
    private void authenticate(HttpRequest.Builder request, Map<String, String> fields) {
        if (definition.token().clientAuthentication() == ClientAuthentication.CLIENT_SECRET_BASIC) {
            request.header("Authorization", new ClientSecretBasic(new ClientID(settings.clientId()),
                    new Secret(settings.clientSecret())).toHTTPAuthorizationHeader());
        } else {
            fields.put("client_id", settings.clientId());
            fields.put("client_secret", settings.clientSecret());
        }
    }

    private static HttpRequest.BodyPublisher form(HttpRequest.Builder request, Map<String, String> fields) {
        request.header("Content-Type", "application/x-www-form-urlencoded");
        return ProviderHttp.form(fields);
    }

    private static HttpRequest.BodyPublisher json(HttpRequest.Builder request, Map<String, String> fields) {
        request.header("Content-Type", "application/json");
        return HttpRequest.BodyPublishers.ofString(ProviderJson.write(fields));
    }

    /** A URL of the definition for a connection whose values are {@code vars}. */
    private String url(String template, Map<String, String> vars) {
        return expand(template, vars);
    }

    private String expand(String template, Map<String, String> vars) {
        try {
            return ProviderDefinition.expand(template,
                    ProviderDefinition.values(settings.bases(), vars));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(label() + ": " + e.getMessage() + " (the connection predates its definition?)");
        }
    }

    private String label() {
        return definition.displayName();
    }
}
