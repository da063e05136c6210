package gatehouse.oauth;

import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import gatehouse.auth.ActorMode;
import gatehouse.auth.ServiceScopes;
import gatehouse.clients.Client;
import gatehouse.clients.VaultAccess;
import gatehouse.clients.ClientService;
import gatehouse.clients.RedirectUris;
import gatehouse.consent.ConsentService;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.installations.InstallationService;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.web.FormParams;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The authorization endpoint's rules (RFC 6749 §4.1, RFC 7636, RFC 9207, docs/http.md, "The OAuth flows"), in two phases:
 * first the app and redirect URI are verified (failures are shown, never redirected); after that,
 * every refusal goes back to the app's redirect URI.
 */
public final class AuthorizationService {
    static final Duration CODE_TTL = Duration.ofMinutes(5);
    static final List<String> PARAMETERS = List.of("response_type", "client_id", "redirect_uri", "scope", "state",
            "code_challenge", "code_challenge_method", "organization_id", "actor", "prompt", "nonce", "max_age",
            "login_hint", "id_token_hint", "request_uri", "response_mode", "resource");
    /** RFC 9126 §2.2: a pushed request's reference is this URN followed by a value only Gatehouse makes. */
    static final String PUSHED_PREFIX = "urn:ietf:params:oauth:request_uri:";
    static final Duration PUSHED_TTL = Duration.ofSeconds(60);
    /** How long a pushed request lasts once opened: the time a person takes to sign in and decide. */
    static final Duration PUSHED_OPEN = Duration.ofMinutes(10);
    /** What the consent page's form adds to a pushed authorization request: the user's decision. */
    private static final List<String> DECISION = List.of("scope", "organization_id", "confirm", "csrf_token", "vault_access",
            "vault_access_offered");
    private static final Set<String> PROMPTS = Set.of("none", "login", "consent");

    private final Database database;
    private final ClientService clients;
    private final OrgService orgs;
    private final ConsentService consents;
    private final InstallationService installations;
    private final AuthorizationCodeRepository codes;
    private final TokenCodec codec;
    private final Clock clock;
    private final Issuer issuer;
    private final IdTokenHints hints;
    private final PushedRequestRepository pushedRequests;
    private final ResourceServers resources;

    public AuthorizationService(Database database, ClientService clients, OrgService orgs, ConsentService consents,
                                InstallationService installations, AuthorizationCodeRepository codes, TokenCodec codec,
                                Clock clock, String issuer, IdTokenHints hints, PushedRequestRepository pushedRequests) {
        this.database = database;
        this.clients = clients;
        this.orgs = orgs;
        this.consents = consents;
        this.installations = installations;
        this.codes = codes;
        this.codec = codec;
        this.clock = clock;
        this.issuer = new Issuer(issuer);
        this.hints = hints;
        this.pushedRequests = pushedRequests;
        this.resources = ResourceServers.registered(clients);
    }

    /** The resource servers a {@code resource} parameter may name (RFC 8707). */
    ResourceServers resources() {
        return resources;
    }

    /** The app and the redirect URI to answer at, once both are verified. */
    public record VerifiedClient(Client client, String redirectUri, boolean redirectUriSent) {
    }

    /** Phase one. Throws (to be shown as an HTML page) for an unknown app or an unregistered redirect URI. */
    public VerifiedClient verifyClient(FormParams params) {
        for (String name : List.of("client_id", "redirect_uri")) {
            if (params.all(name).size() > 1) {
                throw OAuthException.invalidRequest(name + " is included more than once");
            }
        }
        String clientId = params.get("client_id");
        if (clientId == null) {
            throw OAuthException.invalidRequest("client_id is required");
        }
        Client client = clients.findOptional(clientId)
                .orElseThrow(() -> OAuthException.invalidRequest("unknown client_id"));
        String redirectUri = params.get("redirect_uri");
        if (redirectUri == null) {
            if (client.redirectUris().size() != 1) {
                throw OAuthException.invalidRequest("redirect_uri is required: this app registered "
                        + client.redirectUris().size() + " redirect URIs");
            }
            return new VerifiedClient(client, client.redirectUris().getFirst(), false);
        }
        if (!RedirectUris.matches(client, redirectUri)) {
            throw OAuthException.of(OAuthError.INVALID_REDIRECT_URI, "redirect_uri is not registered for this client");
        }
        return new VerifiedClient(client, redirectUri, true);
    }

    /**
     * Phase two: everything else. {@code scopes} is what the user may be asked for (null: the
     * {@code scope} parameter decides); {@code pushed} is the pushed request it came from, if any (an
     * app that must push is refused without). Throws errors meant for {@link #errorRedirect}.
     */
    public AuthorizationRequest validate(VerifiedClient verified, FormParams params, Set<String> scopes,
                                         AuthorizationRequest.Pushed pushed) {
        if (pushed == null && verified.client().requirePushedAuthorizationRequests()) {
            throw OAuthException.invalidRequest("this app pushes its authorization requests first (POST /oauth/par)");
        }
        return check(verified, params, scopes, pushed);
    }

    private AuthorizationRequest check(VerifiedClient verified, FormParams params, Set<String> scopes, AuthorizationRequest.Pushed pushed) {
        Client client = verified.client();
        params.rejectRepeated(PARAMETERS.stream().filter(p -> scopes == null || !p.equals("scope")).toList());
        String responseType = params.get("response_type");
        if (responseType == null) {
            throw OAuthException.invalidRequest("response_type is required");
        }
        if (!"code".equals(responseType)) {
            throw OAuthException.of(OAuthError.UNSUPPORTED_RESPONSE_TYPE, "only response_type=code is supported");
        }
        // The answer always comes back in the query (metadata: response_modes_supported): an app that
        // asked for form_post or a fragment would wait for it elsewhere, so it is told at once.
        String responseMode = params.get("response_mode");
        if (responseMode != null && !"query".equals(responseMode)) {
            throw OAuthException.invalidRequest("response_mode must be query (form_post and fragment are not supported)");
        }
        if (!client.allowsGrant(Client.AUTHORIZATION_CODE)) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "this app is not registered for authorization_code");
        }
        OpenIdConnect.refuseRequestObjects(params.get("request"), pushed == null ? params.get("request_uri") : null);
        String actor = actorOf(client, params.get("actor"));
        Set<String> granted = scopes != null
                ? checkWithin(ServiceScopes.refuseIn(scopes), ServiceScopes.delegable(client.allowedScopes()))
                : ScopeRequest.resolveDelegated(params.get("scope"), client.allowedScopes());
        OpenIdConnect.requireUserFor(granted, actor);
        String challenge = Pkce.challengeOf(params.get("code_challenge"), params.get("code_challenge_method"),
                !client.confidential());
        return new AuthorizationRequest(client, verified.redirectUri(), verified.redirectUriSent(), params.get("state"),
                granted, challenge, actor, Parameters.uuid("organization_id", params.get("organization_id")),
                promptOf(params.get("prompt")), OpenIdConnect.nonce(params.get("nonce")),
                OpenIdConnect.maxAge(params.get("max_age")), params.get("login_hint"),
                hintedUser(client, params.get("id_token_hint")), pushed, resources.resolve(params.get("resource")));
    }

    /** A pushed request's reference and how many seconds it lives (RFC 9126 §2.2). */
    public record PushedUri(String requestUri, long expiresIn) {
    }

    /**
     * RFC 9126: checks {@code params} as the authorization endpoint would, for the authenticated
     * {@code client}, and keeps them: to be opened within {@link #PUSHED_TTL}. Refusals are thrown
     * (answered as JSON errors: nothing is redirected from here).
     */
    public PushedUri push(Client client, FormParams params) {
        params.rejectRepeated(PARAMETERS);
        OpenIdConnect.refuseRequestObjects(params.get("request"), null);
        if (params.has("request_uri")) {
            throw OAuthException.invalidRequest("request_uri cannot be pushed");
        }
        if (params.get("client_id") != null && !client.clientId().equals(params.get("client_id"))) {
            throw OAuthException.invalidRequest("client_id is not the app that authenticated");
        }
        Map<String, String> kept = new LinkedHashMap<>();
        kept.put("client_id", client.clientId());
        for (String name : PARAMETERS) {
            if (params.get(name) != null && !name.equals("client_id")) {
                kept.put(name, params.get(name));
            }
        }
        FormParams request = FormParams.parse(FormParams.encode(kept));
        try {
            check(verifyClient(request), request, null, null);
        } catch (OAuthException e) {
            // RFC 9126 §2.3: the pushed request endpoint answers a bad redirect URI as invalid_request.
            throw e.error() == OAuthError.INVALID_REDIRECT_URI ? OAuthException.invalidRequest(e.description()) : e;
        }
        String value = codec.generate(TokenKind.PUSHED_REQUEST);
        Instant now = clock.instant();
        database.withHandle(handle -> {
            pushedRequests.insert(handle, TokenCodec.hash(value), client.clientId(), kept, now, now.plus(PUSHED_TTL));
            return null;
        });
        return new PushedUri(PUSHED_PREFIX + value, PUSHED_TTL.toSeconds());
    }

    /** An authorization request as it arrived or, when it names a pushed one, as it was pushed. */
    public record Incoming(FormParams params, AuthorizationRequest.Pushed pushed) {
    }

    /**
     * Resolves {@code request_uri} when it names a pushed request (RFC 9126 §4): the request exactly
     * as it was pushed. From the browser only the reference and {@code client_id} are read; from a
     * consent form ({@code consentPost}) also the user's decision — the ticked scopes, checked
     * against what was pushed, the chosen organization, the answer and the CSRF token. A reference
     * that is unknown, expired, used, or another app's is refused before anything is trusted (shown,
     * never redirected). The first opening extends a reference to {@link #PUSHED_OPEN}. Any other
     * {@code request_uri} is left to {@link #validate}, which refuses it.
     */
    public Incoming expandPushed(FormParams incoming, boolean consentPost) {
        String requestUri = incoming.get("request_uri");
        if (requestUri == null || !requestUri.startsWith(PUSHED_PREFIX)) {
            return new Incoming(incoming, null);
        }
        incoming.rejectRepeated(List.of("request_uri", "client_id"));
        String value = requestUri.substring(PUSHED_PREFIX.length());
        byte[] hash = codec.isWellFormed(TokenKind.PUSHED_REQUEST, value) ? TokenCodec.hash(value) : null;
        Instant now = clock.instant();
        var found = hash == null ? Optional.<PushedRequestRepository.Pushed>empty()
                : database.withHandle(handle -> consentPost ? pushedRequests.find(handle, hash)
                        : pushedRequests.open(handle, hash, incoming.get("client_id"), now, now.plus(PUSHED_OPEN)));
        if (found.isEmpty() || found.get().usedAt() != null || !now.isBefore(found.get().expiresAt())
                || !found.get().clientId().equals(incoming.get("client_id"))) {
            throw OAuthException.invalidRequest("request_uri is unknown, expired, already used or another app's");
        }
        Map<String, String> stored = new LinkedHashMap<>(found.get().parameters());
        stored.put("request_uri", requestUri);
        var pushed = new AuthorizationRequest.Pushed(hash, found.get().pushedAt());
        if (!consentPost) {
            return new Incoming(FormParams.parse(FormParams.encode(stored)), pushed);
        }
        Client client = clients.findOptional(found.get().clientId())
                .orElseThrow(() -> OAuthException.invalidRequest("unknown client_id"));
        // What the consent page offered is what was pushed; the ticked boxes must be among it.
        stored.put("requested_scope", ScopeRequest.join(ScopeRequest.resolveDelegated(stored.remove("scope"),
                client.allowedScopes())));
        if (incoming.has("organization_id")) {
            stored.remove("organization_id");
        }
        StringBuilder query = new StringBuilder(FormParams.encode(stored));
        for (String name : DECISION) {
            for (String decided : incoming.all(name)) {
                query.append('&').append(FormParams.encode(Map.of(name, decided)));
            }
        }
        return new Incoming(FormParams.parse(query.toString()), pushed);
    }

    /** The user an {@code id_token_hint} names, which must be an ID token issued to this app; null without one. */
    private UUID hintedUser(Client client, String idTokenHint) {
        if (idTokenHint == null) {
            return null;
        }
        IdTokenHints.Hint hint = hints.verify(idTokenHint);
        if (!hint.audience().contains(client.clientId())) {
            throw OAuthException.invalidRequest("id_token_hint was issued to another app");
        }
        return hint.userId();
    }

    /**
     * Whether the user must sign in (again) before the request goes on: nobody is signed in, the
     * app asked for {@code prompt=login}, the sign-in is older than its {@code max_age}, or someone
     * other than the user its {@code id_token_hint} names is signed in.
     */
    public boolean needsSignIn(AuthorizationRequest request, UUID userId, Instant signedInAt) {
        if (userId == null) {
            return true;
        }
        // A pushed request comes back from the login page unchanged (only its reference travels):
        // a sign-in after it was pushed is the one prompt=login, max_age and id_token_hint asked for.
        // With prompt=none there is no sign-in to come, so the hinted user must be the one signed in.
        boolean signedInSincePush = request.pushed() != null && signedInAt != null
                && signedInAt.isAfter(request.pushed().at());
        boolean otherThanHinted = request.hintedUserId() != null && !request.hintedUserId().equals(userId);
        if (signedInSincePush) {
            return otherThanHinted && request.prompt().contains("none");
        }
        return request.prompt().contains("login")
                || OpenIdConnect.signedInTooLongAgo(request.maxAge(), signedInAt, clock.instant())
                || otherThanHinted;
    }

    /** Organizations the user may authorize the request into (docs/http.md, "The OAuth flows"). */
    public List<Organization> eligibleOrganizations(UUID userId, String actor) {
        return orgs.eligibleFor(userId, actor);
    }

    /** An active consent that already covers a request, in {@code organizationId} (null: no organization). */
    public record Covered(UUID organizationId) {
    }

    /**
     * The active consent that already covers the request, if any: "no organization" counts only for
     * actor {@code self} when the user belongs to none.
     */
    public Optional<Covered> coveredBy(AuthorizationRequest request, UUID userId, List<Organization> eligible) {
        Collection<UUID> candidates = new ArrayList<>(eligible.stream().map(Organization::id).toList());
        if (eligible.isEmpty()) {
            candidates.add(null);
        }
        return consents.findCovering(userId, request.client().clientId(), request.actor(), request.organizationId(),
                        candidates, request.scopes())
                .map(consent -> new Covered(consent.organizationId()));
    }

    /**
     * Checks the organization chosen for the request: one of {@code eligible}; none only for actor
     * {@code self} when the user belongs to no organization.
     */
    public UUID chooseOrganization(AuthorizationRequest request, UUID chosen, List<Organization> eligible) {
        if (eligible.isEmpty()) {
            if (ActorMode.APP.is(request.actor())) {
                throw OAuthException.of(OAuthError.ACCESS_DENIED,
                        "only an owner or admin of an organization can install this app as itself");
            }
            return null;
        }
        UUID wanted = chosen != null ? chosen : request.organizationId();
        if (wanted == null) {
            return eligible.getFirst().id();
        }
        if (eligible.stream().noneMatch(org -> org.id().equals(wanted))) {
            throw OAuthException.of(OAuthError.ACCESS_DENIED, "you cannot authorize this app for that organization");
        }
        return wanted;
    }

    /**
     * Records the consent (when {@code recordConsent}), installs the app in the organization for
     * actor {@code app} (the organization was checked to be one the user administers), and issues a
     * single-use code, in one transaction. Returns the code's value.
     */
    public String approve(AuthorizationRequest request, UUID userId, Instant signedInAt, UUID organizationId,
                          boolean recordConsent, List<VaultAccess> vaultAccess) {
        Instant now = clock.instant();
        String code = codec.generate(TokenKind.AUTHORIZATION_CODE);
        database.inTransaction(handle -> {
            if (request.pushed() != null && !pushedRequests.markUsed(handle, request.pushed().hash(), now)) {
                throw OAuthException.invalidRequest("request_uri was already used");
            }
            recordApproval(handle, request, new Approval(userId, signedInAt, organizationId, vaultAccess), recordConsent,
                    TokenCodec.hash(code), now, now.plus(CODE_TTL));
            return null;
        });
        return code;
    }

    /**
     * Who approved a request, when they signed in (for an ID token's auth_time), for which
     * organization, and the vault access they granted the app there (null: left as it was).
     */
    record Approval(UUID userId, Instant signedInAt, UUID organizationId, List<VaultAccess> vaultAccess) {
    }

    /**
     * What approving a request writes, in the caller's transaction: the consent (when
     * {@code recordConsent}), the installation for actor {@code app}, and the code under
     * {@code codeHash}, usable until {@code expiresAt}. A sign-in (OpenID Connect) keeps its nonce and
     * when the user signed in with the code, for the ID token. A request without a redirect URI is a
     * device's (RFC 8628): its code is redeemed by polling, never by redirect.
     */
    void recordApproval(Handle handle, AuthorizationRequest request, Approval approval, boolean recordConsent,
                        byte[] codeHash, Instant now, Instant expiresAt) {
        boolean signIn = request.openId();
        var stored = new AuthorizationCode(request.client().clientId(), approval.userId(), approval.organizationId(),
                request.actor(), ScopeRequest.join(request.scopes()), request.redirectUri(), request.redirectUriSent(),
                request.codeChallenge(), Ids.newId(), now, expiresAt, null, signIn ? request.nonce() : null,
                signIn ? approval.signedInAt() : null, request.resource());
        if (recordConsent) {
            consents.grant(handle, approval.userId(), request.client().clientId(), approval.organizationId(),
                    request.actor(), request.scopes());
        }
        if (ActorMode.APP.is(request.actor())) {
            installations.install(handle, approval.userId(), request.client().clientId(), approval.organizationId(),
                    request.scopes(), approval.vaultAccess());
        }
        codes.insert(handle, stored, codeHash);
    }

    /** {@code redirect_uri?code=…&state=…&iss=…} (RFC 6749 §4.1.2, RFC 9207). */
    public URI successRedirect(AuthorizationRequest request, String code) {
        return new AuthorizationSuccessResponse(URI.create(request.redirectUri()),
                new com.nimbusds.oauth2.sdk.AuthorizationCode(code), null, state(request.state()), issuer,
                ResponseMode.QUERY).toURI();
    }

    /** {@code redirect_uri?error=…&error_description=…&state=…&iss=…} (RFC 6749 §4.1.2.1). */
    public URI errorRedirect(VerifiedClient verified, String state, OAuthException error) {
        var object = new ErrorObject(error.error().code(), error.description());
        return new AuthorizationErrorResponse(URI.create(verified.redirectUri()), object, state(state), issuer,
                ResponseMode.QUERY).toURI();
    }

    private static State state(String value) {
        return value == null ? null : new State(value);
    }

    /** The actor a request names, checked against the app's actor modes; its default when it names none. */
    static String actorOf(Client client, String actor) {
        if (actor == null) {
            return client.defaultActor();
        }
        if (!Client.ACTORS.contains(actor)) {
            throw OAuthException.invalidRequest("actor must be app or self");
        }
        if (!client.actorModes().contains(actor)) {
            throw OAuthException.invalidRequest("this app does not act as " + actor);
        }
        return actor;
    }

    private static Set<String> promptOf(String value) {
        Set<String> prompt = new LinkedHashSet<>();
        if (value == null) {
            return prompt;
        }
        for (String item : value.split(" ")) {
            if (item.isEmpty()) {
                continue;
            }
            if (!PROMPTS.contains(item)) {
                throw OAuthException.invalidRequest("prompt may be none, login or consent");
            }
            prompt.add(item);
        }
        if (prompt.contains("none") && prompt.size() > 1) {
            throw OAuthException.invalidRequest("prompt=none cannot be combined with other values");
        }
        return prompt;
    }

    private static Set<String> checkWithin(Set<String> scopes, List<String> allowed) {
        for (String scope : scopes) {
            if (!allowed.contains(scope)) {
                throw OAuthException.of(OAuthError.INVALID_SCOPE, "scope " + scope + " is not allowed for this app");
            }
        }
        return scopes;
    }
}
