package gatehouse.clients;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.auth.ActorMode;
import gatehouse.auth.Caller;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.Membership;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.scopes.Scope;
import gatehouse.scopes.ScopeService;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.RefreshToken;
import gatehouse.tokens.TokenService;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Registration and management of OAuth apps with every rule of docs/http.md, "The management API". Members of the owner
 * organization see and edit its apps; platform admins see and edit all; others get 404.
 *
 * <p>Approvals of restricted scopes and grant types are given when an admin registers the app and
 * otherwise only through {@link ClientApprovals}: no edit here changes them. An edit that takes a
 * scope out of what the app may use revokes its live access tokens carrying it, in its transaction.
 */
public final class ClientService {
    public static final int MAX_NAME = 200;
    public static final int MAX_DESCRIPTION = 2000;
    public static final int MAX_REDIRECT_URIS = 20;
    public static final int MAX_TOKEN_TTL = 86_400;
    public static final int MAX_GRACE_SECONDS = RefreshToken.MAX_GRACE_SECONDS;
    public static final int MAX_SECRET_GRACE_SECONDS = 7 * 86_400;
    public static final int MAX_WEBHOOK_EVENTS = 50;
    public static final int MAX_RESOURCE = 2000;
    /** An event type: lowercase words joined by dots, as {@code installation.created}; at most 100 characters. */
    private static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+){1,4}");

    private final Database database;
    private final ClientRepository clients;
    private final ClientCache cache;
    private final AuditLog audit;
    private final OrgService orgs;
    private final ScopeService scopes;
    private final TokenCodec codec;
    private final TokenService tokens;
    private final Clock clock;
    private final int defaultAccessTokenTtl;

    private final WebhookSecrets webhookSecrets;
    private final boolean allowPrivateWebhooks;
    private final Encryption encryption;

    /**
     * @param allowPrivateWebhooks whether webhook URLs and jwks_uri may point at private addresses (development)
     * @param encryption           seals the secret of an app using client_secret_jwt
     */
    public ClientService(Database database, ClientRepository clients, ClientCache cache, AuditLog audit, OrgService orgs,
                         ScopeService scopes, TokenCodec codec, TokenService tokens, Clock clock,
                         int defaultAccessTokenTtl, WebhookSecrets webhookSecrets, boolean allowPrivateWebhooks,
                         Encryption encryption) {
        this.encryption = encryption;
        this.webhookSecrets = webhookSecrets;
        this.allowPrivateWebhooks = allowPrivateWebhooks;
        this.database = database;
        this.clients = clients;
        this.cache = cache;
        this.audit = audit;
        this.orgs = orgs;
        this.scopes = scopes;
        this.codec = codec;
        this.tokens = tokens;
        this.clock = clock;
        this.defaultAccessTokenTtl = defaultAccessTokenTtl;
    }

    /** Whether {@code type} is an event type apps subscribe to and the SaaS publishes. */
    public static boolean isEventType(String type) {
        return type != null && type.length() <= 100 && EVENT_TYPE.matcher(type).matches();
    }

    /** A new app and its secret in plain text (confidential apps only), shown this once. */
    public record Registered(Client client, String secret, String webhookSecret) {
    }

    public Registered create(Caller caller, ClientSpec spec) {
        requireUser(caller);
        UUID ownerOrgId = ownerOrgFor(caller, spec.ownerOrgId());
        return insertNew(caller, ownerOrgId, spec, caller.userId(), caller.auditActor(), (handle, app) -> { });
    }

    /**
     * An app registering itself (RFC 7591) into {@code ownerOrgId}, which the registration's
     * credential (an initial access token, or open registration's organization) decided. Nobody
     * approves anything here: restricted scopes and grant types wait for a platform admin.
     * {@code alsoInTransaction} writes what the registration keeps of it, in the same transaction.
     */
    public Registered register(UUID ownerOrgId, ClientSpec spec, Actor registrar,
                               BiConsumer<Handle, Client> alsoInTransaction) {
        return insertNew(Caller.client(null), ownerOrgId, spec, null, registrar, alsoInTransaction);
    }

    private Registered insertNew(Caller caller, UUID ownerOrgId, ClientSpec spec, UUID createdBy, Actor actor,
                                 BiConsumer<Handle, Client> alsoInTransaction) {
        boolean confidential = spec.confidential() == null || spec.confidential();
        String secret = confidential ? codec.generate(TokenKind.CLIENT_SECRET) : null;
        Instant now = clock.instant();
        Client blank = new Client(codec.generateClientId(), Ids.newId(),
                secret == null ? null : TokenCodec.hash(secret), null, null,
                null, "", null, ownerOrgId, List.of(), List.of(), List.of(Client.AUTHORIZATION_CODE, Client.REFRESH_TOKEN),
                List.of(), List.of(), List.of(), List.of(), confidential, List.of(ActorMode.SELF.value()), "opaque", "ES256",
                "at+jwt", null, defaultAccessTokenTtl, true, 0, null, null, List.of(), false, false, false,
                Client.Authentication.SECRET, null, Client.Vault.NONE, createdBy, now, now);
        Client client = sealedIfNeeded(approvedAtRegistration(caller, apply(caller, blank, spec, true)), secret);
        return database.inTransaction(handle -> {
            clients.insert(handle, client);
            alsoInTransaction.accept(handle, client);
            Client stored = clients.find(handle, client.clientId()).orElseThrow();
            audit.record(handle, actor, AuditLog.Event.of("client.created").client(client.clientId())
                    .organization(client.ownerOrgId()).details(Map.of("name", client.name(),
                            "scope", String.join(" ", client.scopes()), "approved_scopes", String.join(" ", client.approvedScopes()))));
            ClientApprovals.recordApproved(audit, handle, actor, stored, stored.approvedScopes(),
                    stored.approvedGrantTypes());
            return new Registered(stored, secret, webhookSecrets.issue(handle, client.clientId()));
        });
    }

    /**
     * An admin registering an app approves the restricted scopes and grant types it asks for
     * (docs/http.md, "The management API"); anyone else's wait for an admin's explicit approval.
     */
    private Client approvedAtRegistration(Caller caller, Client client) {
        if (!caller.isPlatformAdmin()) {
            return client;
        }
        return client.withApprovals(restrictedAmong(client.scopes()),
                ClientApprovals.restrictedGrantTypesAmong(client.grantTypes()))
                .withVault(new Client.Vault(client.vault().requested(), client.vault().requested()));
    }

    private List<String> restrictedAmong(List<String> names) {
        Map<String, Scope> catalog = scopes.lookup(names);
        return names.stream().filter(name -> catalog.containsKey(name) && catalog.get(name).restricted()).toList();
    }

    public Client get(Caller caller, String clientId) {
        Client client = find(clientId);
        requireVisible(caller, client);
        return client;
    }

    /**
     * The apps the caller sees (admins: all; others: their organizations'); with
     * {@code pendingApproval}, only those with a restricted scope or grant type waiting for an
     * admin's approval.
     */
    public Page<Client> list(Caller caller, boolean pendingApproval, PageRequest page) {
        List<Client> rows = database.withHandle(handle -> caller.isPlatformAdmin()
                ? clients.listAll(handle, pendingApproval, page)
                : clients.listForMember(handle, caller.userId(), pendingApproval, page));
        return Page.of(rows, page.limit(), Client::id);
    }

    /** Changes the members the request sent; the owner organization and confidentiality stay. */
    public Client update(Caller caller, String clientId, ClientSpec spec) {
        Client current = getForChange(caller, clientId);
        if (spec.ownerOrgId() != null && !spec.ownerOrgId().equals(current.ownerOrgId())) {
            throw OAuthException.validation("owner_org_id cannot change");
        }
        if (spec.confidential() != null && spec.confidential() != current.confidential()) {
            throw OAuthException.validation("confidential cannot change; register a new app instead");
        }
        return store(current, apply(caller, current, spec, false), spec, caller.auditActor());
    }

    /**
     * A registered app changed through its registration (RFC 7592): by the same rules as any
     * update, restricted settings (resource_server) excepted, which the registration cannot change.
     */
    public Client updateRegistered(String clientId, ClientSpec spec, Actor registrar) {
        Client current = find(clientId);
        if (!current.approvedScopes().isEmpty() || !current.approvedGrantTypes().isEmpty()) {
            // The management API's rule for plain members (getForChange): what an admin approved is not
            // left to whoever holds a bearer credential of the app.
            throw OAuthException.forbidden("an admin approved restricted scopes or grant types for this app: change it"
                    + " through the management API");
        }
        if (spec.confidential() != null && spec.confidential() != current.confidential()) {
            throw OAuthException.validation("confidential cannot change; register a new app instead");
        }
        return store(current, apply(Caller.client(clientId), current, spec, false), spec, registrar);
    }

    private Client store(Client current, Client updated, ClientSpec spec, Actor actor) {
        String clientId = current.clientId();
        Client stored = database.inTransaction(handle -> {
            Client before = clients.lock(handle, clientId).orElseThrow(() -> OAuthException.notFound("no such app"));
            clients.update(handle, updated);
            Client after = clients.find(handle, clientId).orElseThrow();
            int revoked = ClientApprovals.revokeNoLongerAllowed(tokens, handle, before, after, clock.instant());
            clients.notifyChanged(handle, clientId);
            audit.record(handle, actor, AuditLog.Event.of("client.updated").client(clientId)
                    .organization(updated.ownerOrgId()).details(Map.of("fields", List.copyOf(new TreeSet<>(spec.present())),
                            "tokens_revoked", revoked)));
            return after;
        });
        cache.evict(clientId);
        return stored;
    }

    /** Forgets the app on this node at once (the others hear the NOTIFY its change sent). */
    void forget(String clientId) {
        cache.evict(clientId);
    }

    /** Deletes the app; its codes, tokens, grants and consents go with it (ON DELETE CASCADE). */
    public void delete(Caller caller, String clientId) {
        remove(getForChange(caller, clientId), caller.auditActor());
    }

    /** Deletes a registered app at its registration's request (RFC 7592 §2.3). */
    public void deleteRegistered(String clientId, Actor registrar) {
        remove(find(clientId), registrar);
    }

    private void remove(Client client, Actor actor) {
        String clientId = client.clientId();
        database.inTransaction(handle -> {
            clients.delete(handle, client.clientId());
            clients.notifyChanged(handle, clientId);
            tokens.forgetCached(handle);
            audit.record(handle, actor, AuditLog.Event.of("client.deleted").client(clientId)
                    .organization(client.ownerOrgId()).details(Map.of("name", client.name())));
            return null;
        });
        cache.evict(clientId);
    }

    /** A new secret, shown once; the old one keeps working for {@code graceSeconds} (0: not at all). */
    public Registered rotateSecret(Caller caller, String clientId, Integer graceSeconds) {
        Client client = getForChange(caller, clientId);
        if (!client.confidential()) {
            throw OAuthException.validation("a public app has no secret to rotate");
        }
        int grace = graceSeconds == null ? 0 : graceSeconds;
        Instant now = clock.instant();
        String secret = codec.generate(TokenKind.CLIENT_SECRET);
        byte[] previous = grace > 0 ? client.secretHash() : null;
        Instant previousExpires = grace > 0 ? now.plusSeconds(grace) : null;
        database.inTransaction(handle -> {
            // Sealed by the method the app has now, read under its lock: an edit switching method
            // concurrently is serialized with this, never undone by it.
            Client locked = clients.lock(handle, clientId).orElseThrow(() -> OAuthException.notFound("no such app"));
            String sealed = sealedIfNeeded(locked, secret).authentication().sealedSecret();
            clients.replaceSecret(handle, client.clientId(), TokenCodec.hash(secret), previous, previousExpires, sealed, now);
            clients.notifyChanged(handle, clientId);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("client.secret_rotated").client(clientId)
                    .organization(client.ownerOrgId()).details(Map.of("grace_seconds", grace)));
            return null;
        });
        cache.evict(clientId);
        return new Registered(find(clientId), secret, null);
    }

    /** Refuses unless the caller may change the app (see {@link #getForChange}). */
    public void requireEditable(Caller caller, String clientId) {
        getForChange(caller, clientId);
    }

    /**
     * The app, if the caller may change it. Members of the owner organization may, except for an
     * app holding any approval of a restricted scope (admin:*, connections:read, …) or grant type
     * (password) or of vault access (it reaches other organizations' connections through the proxy)
     * — whether or not it requests it right now, since an approval outlives edits and an
     * edit could ask for it again: its secret or grants in a plain member's hands would hand out what
     * an admin approved for the organization, so only the organization's owners and admins (and
     * platform admins) change it.
     */
    private Client getForChange(Caller caller, String clientId) {
        Client client = get(caller, clientId);
        boolean holdsRestricted = !client.approvedScopes().isEmpty() || !client.approvedGrantTypes().isEmpty()
                || !client.vault().approved().isEmpty();
        if (caller.isPlatformAdmin() || !holdsRestricted) {
            return client;
        }
        boolean orgAdministrator = orgs.roleOf(client.ownerOrgId(), caller.userId())
                .filter(Membership::canAdminister).isPresent();
        if (!orgAdministrator) {
            throw OAuthException.forbidden("this app holds an approved restricted scope; only owners and admins of its "
                    + "organization may change it");
        }
        return client;
    }

    /** The app with this client_id regardless of who asks; for the OAuth endpoints. */
    public Client find(String clientId) {
        return findOptional(clientId).orElseThrow(() -> OAuthException.notFound("no such app"));
    }

    /** The app with this client_id, from the cache when it is current; empty when there is none. */
    public Optional<Client> findOptional(String clientId) {
        if (clientId == null || clientId.length() > 64) {
            return Optional.empty();
        }
        return cache.get(clientId, id -> database.withHandle(handle -> clients.find(handle, id)));
    }

    /**
     * The app as {@code spec} changes {@code base}: each group of settings read and checked by its own
     * step (a member the request did not send keeps its value), then put together.
     */
    private Client apply(Caller caller, Client base, ClientSpec spec, boolean creating) {
        Profile profile = profile(base, spec);
        Flows flows = flows(base, spec);
        TokenPolicy tokens = tokenPolicy(base, spec);
        Webhook webhook = webhook(base, spec);
        boolean resourceServer = resourceServer(caller, base, spec);
        String resource = resource(caller, base, spec, resourceServer);
        return new Client(base.clientId(), base.id(), base.secretHash(), base.previousSecretHash(),
                base.previousSecretExpiresAt(), profile.name(), profile.description(), profile.homepageUrl(),
                base.ownerOrgId(), flows.redirectUris(), flows.postLogoutRedirectUris(), flows.grantTypes(), flows.scopes(),
                base.approvedScopes(), base.allowedScopes(), base.approvedGrantTypes(), base.confidential(),
                flows.actorModes(), tokens.format(), tokens.signingAlg(), tokens.jwtTyp(), tokens.idTokenAlg(),
                tokens.accessTokenTtl(), tokens.rotation(), tokens.graceSeconds(), tokens.refreshTokenTtl(), webhook.url(),
                webhook.events(), resourceServer, valueOr(spec.requirePushedAuthorizationRequests(),
                        base.requirePushedAuthorizationRequests()),
                valueOr(spec.dpopBoundAccessTokens(), base.dpopBoundAccessTokens()), authentication(base, spec, creating),
                resource, spec.has("vault_access") ? new Client.Vault(spec.vaultAccess() == null ? List.of() : spec.vaultAccess(),
                        base.vault().approved()) : base.vault(),
                base.createdBy(), base.createdAt(), creating ? base.updatedAt() : clock.instant());
    }

    /**
     * The app with its secret sealed when it signs client_secret_jwt assertions with it (the HMAC
     * needs the secret itself); any other app keeps only the hash.
     */
    private Client sealedIfNeeded(Client client, String secret) {
        Client.Authentication auth = client.authentication();
        String sealed = Client.CLIENT_SECRET_JWT.equals(auth.method()) && secret != null
                ? encryption.encrypt(secret.getBytes(StandardCharsets.UTF_8)) : null;
        return client.withAuthentication(new Client.Authentication(auth.method(), auth.jwksJson(), auth.jwksUri(), sealed));
    }

    /**
     * How the app authenticates (RFC 7591 token_endpoint_auth_method, jwks, jwks_uri): a method that
     * fits the app (none for a public one; a secret or an assertion for a confidential one); for
     * private_key_jwt its public keys, inline or at an https URL reached under the webhook rules.
     * client_secret_jwt is chosen when the app is registered, when its secret is known and can be
     * sealed; an existing app cannot switch to it (its secret exists only as a hash). Switching away
     * forgets the sealed copy.
     */
    private Client.Authentication authentication(Client base, ClientSpec spec, boolean creating) {
        Client.Authentication current = base.authentication();
        String method = spec.has("token_endpoint_auth_method") ? spec.tokenEndpointAuthMethod() : current.method();
        if (method != null && !Client.AUTH_METHODS.contains(method)) {
            throw OAuthException.validation("token_endpoint_auth_method must be one of " + Client.AUTH_METHODS);
        }
        if (!creating && Client.CLIENT_SECRET_JWT.equals(method) && !method.equals(current.method())) {
            throw OAuthException.validation("an existing app cannot switch to client_secret_jwt (Gatehouse keeps only its"
                    + " secret's hash): register a new app with it, or use private_key_jwt");
        }
        if (method != null && base.confidential() == Client.NONE.equals(method)) {
            throw OAuthException.validation(base.confidential()
                    ? "token_endpoint_auth_method none is for public apps" : "a public app authenticates with none");
        }
        String jwks = spec.has("jwks") ? ClientKeys.publicJwks(spec.jwks()) : current.jwksJson();
        String jwksUri = spec.has("jwks_uri") ? spec.jwksUri() : current.jwksUri();
        if (jwksUri != null) {
            String problem = WebhookUrls.problemWith("jwks_uri", jwksUri, allowPrivateWebhooks);
            if (problem != null) {
                throw OAuthException.validation(problem);
            }
        }
        if (jwks != null && jwksUri != null) {
            throw OAuthException.validation("register jwks or jwks_uri, not both");
        }
        if (Client.PRIVATE_KEY_JWT.equals(method) && jwks == null && jwksUri == null) {
            throw OAuthException.validation("private_key_jwt needs the app's public keys: jwks or jwks_uri");
        }
        String sealed = Client.CLIENT_SECRET_JWT.equals(method) ? current.sealedSecret() : null;
        return new Client.Authentication(method, jwks, jwksUri, sealed);
    }

    /** What people see of the app: its name, description and homepage. */
    private record Profile(String name, String description, String homepageUrl) {
    }

    private static Profile profile(Client base, ClientSpec spec) {
        String name = spec.has("name") ? spec.name() : base.name();
        if (name == null || name.isBlank() || name.strip().length() > MAX_NAME) {
            throw OAuthException.validation("name is required and must be at most " + MAX_NAME + " characters");
        }
        String description = spec.has("description") ? nullToEmpty(spec.description()) : base.description();
        if (description.length() > MAX_DESCRIPTION) {
            throw OAuthException.validation("description must be at most " + MAX_DESCRIPTION + " characters");
        }
        String homepage = spec.has("homepage_url") ? spec.homepageUrl() : base.homepageUrl();
        requireWebUrl("homepage_url", homepage, false);
        return new Profile(name.strip(), description, homepage);
    }

    /** How the app gets tokens: redirect URIs, grant types, actor modes and the scopes it asks for. */
    private record Flows(List<String> redirectUris, List<String> postLogoutRedirectUris, List<String> grantTypes,
                         List<String> actorModes, List<String> scopes) {
    }

    private Flows flows(Client base, ClientSpec spec) {
        List<String> redirectUris = redirectUris("redirect_uris",
                spec.redirectUris() != null ? distinct(spec.redirectUris()) : base.redirectUris());
        // Where OpenID Connect's RP-initiated logout may send the browser back: held to the same rules.
        List<String> postLogoutRedirectUris = redirectUris("post_logout_redirect_uris",
                spec.has("post_logout_redirect_uris") ? distinct(nullToEmptyList(spec.postLogoutRedirectUris()))
                        : base.postLogoutRedirectUris());
        List<String> grantTypes = spec.grantTypes() != null ? distinct(spec.grantTypes()) : base.grantTypes();
        validateGrantTypes(grantTypes, redirectUris, base.confidential());
        List<String> actorModes = spec.actorModes() != null ? distinct(spec.actorModes()) : base.actorModes();
        if (actorModes.isEmpty() || !Client.ACTORS.containsAll(actorModes)) {
            throw OAuthException.validation("actor_modes must be a non-empty list of app and self");
        }
        List<String> requested = spec.scope() != null || spec.has("scope") ? parseScope(spec.scope()) : base.scopes();
        requireCatalogued(requested);
        return new Flows(redirectUris, postLogoutRedirectUris, grantTypes, actorModes, requested);
    }

    /** {@code uris} (the member {@code member}) when each is a redirect URI Gatehouse accepts, and few enough. */
    private static List<String> redirectUris(String member, List<String> uris) {
        if (uris.size() > MAX_REDIRECT_URIS) {
            throw OAuthException.validation(member + ": at most " + MAX_REDIRECT_URIS + " redirect URIs");
        }
        for (String uri : uris) {
            String problem = RedirectUris.problemWith(uri);
            if (problem != null) {
                throw OAuthException.validation(member + ": " + problem);
            }
        }
        return uris;
    }

    private static List<String> nullToEmptyList(List<String> values) {
        return values == null ? List.of() : values;
    }

    /** What the app's tokens are like: format and algorithm, lifetimes, refresh rotation. */
    private record TokenPolicy(String format, String signingAlg, String jwtTyp, String idTokenAlg, int accessTokenTtl,
                               boolean rotation,
                               int graceSeconds, Integer refreshTokenTtl) {
    }

    private static TokenPolicy tokenPolicy(Client base, ClientSpec spec) {
        String format = spec.accessTokenFormat() != null ? spec.accessTokenFormat() : base.accessTokenFormat();
        if (!"opaque".equals(format) && !"jwt".equals(format)) {
            throw OAuthException.validation("access_token_format must be opaque or jwt");
        }
        String signingAlg = spec.accessTokenSigningAlg() != null ? spec.accessTokenSigningAlg() : base.accessTokenSigningAlg();
        if (!Client.SIGNING_ALGS.contains(signingAlg)) {
            throw OAuthException.validation("access_token_signing_alg must be one of " + Client.SIGNING_ALGS);
        }
        String jwtTyp = spec.accessTokenJwtTyp() != null ? spec.accessTokenJwtTyp() : base.accessTokenJwtTyp();
        if (!Client.JWT_TYPES.contains(jwtTyp)) {
            throw OAuthException.validation("access_token_jwt_typ must be one of " + Client.JWT_TYPES);
        }
        // Sent as null, the default again (RS256).
        String idTokenAlg = spec.has("id_token_signed_response_alg") ? spec.idTokenSignedResponseAlg()
                : base.idTokenSignedResponseAlg();
        if (idTokenAlg != null && !Client.SIGNING_ALGS.contains(idTokenAlg)) {
            throw OAuthException.validation("id_token_signed_response_alg must be one of " + Client.SIGNING_ALGS);
        }
        int ttl = valueOr(spec.accessTokenTtl(), base.accessTokenTtl());
        if (ttl < 60 || ttl > MAX_TOKEN_TTL) {
            throw OAuthException.validation("access_token_ttl must be between 60 and " + MAX_TOKEN_TTL);
        }
        boolean rotation = valueOr(spec.refreshTokenRotation(), base.refreshTokenRotation());
        // A public app's refresh token is a bearer secret on a device: rotation is what detects its theft.
        if (!rotation && !base.confidential()) {
            throw OAuthException.validation("a public app always rotates refresh tokens: refresh_token_rotation must be true");
        }
        int grace = valueOr(spec.refreshTokenGraceSeconds(), base.refreshTokenGraceSeconds());
        if (grace < 0 || grace > MAX_GRACE_SECONDS) {
            throw OAuthException.validation("refresh_token_grace_seconds must be between 0 and " + MAX_GRACE_SECONDS);
        }
        Integer refreshTtl = spec.has("refresh_token_ttl") ? spec.refreshTokenTtl() : base.refreshTokenTtl();
        if (refreshTtl != null && (refreshTtl < 60 || refreshTtl > 366 * 86_400)) {
            throw OAuthException.validation("refresh_token_ttl must be null or between 60 and " + 366 * 86_400);
        }
        return new TokenPolicy(format, signingAlg, jwtTyp, idTokenAlg, ttl, rotation, grace, refreshTtl);
    }

    /** Where the app hears of events, and which. */
    private record Webhook(String url, List<String> events) {
    }

    private Webhook webhook(Client base, ClientSpec spec) {
        String url = spec.has("webhook_url") ? spec.webhookUrl() : base.webhookUrl();
        String problem = url == null ? null : url.length() > WebhookUrls.MAX_LENGTH
                ? "webhook_url is too long" : WebhookUrls.problemWith(url, allowPrivateWebhooks);
        if (problem != null) {
            throw OAuthException.validation(problem.startsWith("webhook_url") ? problem : "webhook_url: " + problem);
        }
        List<String> events = spec.webhookEvents() != null ? distinct(spec.webhookEvents()) : base.webhookEvents();
        if (events.size() > MAX_WEBHOOK_EVENTS) {
            throw OAuthException.validation("webhook_events: at most " + MAX_WEBHOOK_EVENTS + " event types");
        }
        for (String event : events) {
            if (!isEventType(event)) {
                throw OAuthException.validation("webhook_events: " + (event.length() > 100 ? "an event type" : event)
                        + " is not an event type (lowercase words joined by dots, such as installation.created)");
            }
        }
        return new Webhook(url, events);
    }

    /** Whether the app may introspect every app's tokens: only an admin changes that. */
    /**
     * A resource server's identifier (RFC 8707 {@code resource}, RFC 9728's name): an absolute URI
     * without a fragment, unique, set (like the flag itself) by platform admins, and only for an app
     * flagged resource_server.
     */
    private String resource(Caller caller, Client base, ClientSpec spec, boolean resourceServer) {
        String resource = spec.has("resource") ? spec.resource() : base.resource();
        if (!Objects.equals(resource, base.resource()) && !caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins may set resource");
        }
        if (resource == null) {
            return null;
        }
        if (!resourceServer) {
            throw OAuthException.validation("resource is for apps flagged resource_server");
        }
        try {
            URI uri = new URI(resource);
            if (!uri.isAbsolute() || uri.getRawFragment() != null || resource.length() > MAX_RESOURCE) {
                throw OAuthException.validation("resource must be an absolute URI without a fragment (RFC 8707 §2)");
            }
        } catch (URISyntaxException e) {
            throw OAuthException.validation("resource must be an absolute URI without a fragment (RFC 8707 §2)");
        }
        Optional<Client> holder = findByResource(resource);
        if (holder.isPresent() && !holder.get().clientId().equals(base.clientId())) {
            throw OAuthException.conflict("another app is registered as this resource");
        }
        return resource;
    }

    /** The resource server registered as {@code resource} (RFC 8707), if any. */
    public Optional<Client> findByResource(String resource) {
        return database.withHandle(handle -> clients.findByResource(handle, resource));
    }

    private static boolean resourceServer(Caller caller, Client base, ClientSpec spec) {
        boolean resourceServer = spec.resourceServer() != null ? spec.resourceServer() : base.resourceServer();
        if (resourceServer != base.resourceServer() && !caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins may set resource_server");
        }
        return resourceServer;
    }

    private static List<String> parseScope(String scope) {
        try {
            return List.copyOf(ScopeService.parse(scope));
        } catch (OAuthException e) {
            throw OAuthException.validation("scope must be space-separated scope names (RFC 6749 §3.3)");
        }
    }

    private static void validateGrantTypes(List<String> grantTypes, List<String> redirectUris, boolean confidential) {
        if (grantTypes.isEmpty()) {
            throw OAuthException.validation("grant_types must not be empty");
        }
        for (String grant : grantTypes) {
            if (!Client.GRANT_TYPES.contains(grant)) {
                throw OAuthException.validation("grant_types may contain only " + Client.GRANT_TYPES);
            }
        }
        if (grantTypes.contains(Client.AUTHORIZATION_CODE) && redirectUris.isEmpty()) {
            throw OAuthException.validation("authorization_code needs at least one redirect URI");
        }
        if (grantTypes.contains(Client.REFRESH_TOKEN) && !grantTypes.contains(Client.AUTHORIZATION_CODE)
                && !grantTypes.contains(Client.PASSWORD) && !grantTypes.contains(Client.DEVICE_CODE)) {
            throw OAuthException.validation("refresh_token needs authorization_code, password or " + Client.DEVICE_CODE);
        }
        if (!confidential && (grantTypes.contains(Client.CLIENT_CREDENTIALS) || grantTypes.contains(Client.PASSWORD)
                || grantTypes.contains(Client.TOKEN_EXCHANGE))) {
            throw OAuthException.validation("public apps cannot use client_credentials, password or token exchange");
        }
    }

    /** Every requested scope must exist; restricted ones may be requested by anyone but wait for an approval. */
    private void requireCatalogued(List<String> requested) {
        Map<String, Scope> catalog = scopes.lookup(requested);
        for (String name : requested) {
            if (!catalog.containsKey(name)) {
                throw OAuthException.validation("scope " + name + " does not exist");
            }
        }
    }

    /**
     * The owner organization: the one named (the caller must belong to it); else, for a caller in
     * exactly one organization, that one; else none for an admin (a platform app).
     */
    private UUID ownerOrgFor(Caller caller, UUID requested) {
        if (requested != null) {
            if (!caller.isPlatformAdmin() && orgs.roleOf(requested, caller.userId()).isEmpty()) {
                throw OAuthException.validation("owner_org_id must be an organization you belong to");
            }
            orgs.get(caller, requested);
            return requested;
        }
        List<Organization> mine = orgs.eligibleFor(caller.userId(), ActorMode.SELF.value());
        if (mine.size() == 1) {
            return mine.getFirst().id();
        }
        if (caller.isPlatformAdmin()) {
            return null;
        }
        throw OAuthException.validation("owner_org_id is required");
    }

    private void requireVisible(Caller caller, Client client) {
        if (caller.isPlatformAdmin()) {
            return;
        }
        if (client.ownerOrgId() == null || caller.userId() == null
                || orgs.roleOf(client.ownerOrgId(), caller.userId()).isEmpty()) {
            throw OAuthException.notFound("no such app");
        }
    }

    private static void requireUser(Caller caller) {
        if (caller.userId() == null && !caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("an app token cannot register apps");
        }
    }

    private static void requireWebUrl(String field, String value, boolean httpsOnly) {
        if (value == null) {
            return;
        }
        try {
            URI uri = new URI(value);
            boolean https = "https".equals(uri.getScheme());
            boolean web = https || "http".equals(uri.getScheme());
            if (value.length() > RedirectUris.MAX_LENGTH || !web || uri.getHost() == null || (httpsOnly && !https)) {
                throw new URISyntaxException(value, "not a web URL");
            }
        } catch (URISyntaxException e) {
            throw OAuthException.validation(field + " must be an absolute " + (httpsOnly ? "https" : "http(s)") + " URL");
        }
    }

    private static List<String> distinct(List<String> values) {
        return List.copyOf(new LinkedHashSet<>(values));
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    private static boolean valueOr(Boolean value, boolean fallback) {
        return value == null ? fallback : value;
    }

    private static int valueOr(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
