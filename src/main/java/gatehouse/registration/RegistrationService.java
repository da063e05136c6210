package gatehouse.registration;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.clients.ClientSpec;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.ratelimit.RegistrationThrottle;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.web.JsonBody;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592). Apps register into the
 * organization of the initial access token they present, which an owner or admin of it created;
 * or, with open registration (GATEHOUSE_DYNAMIC_REGISTRATION=open, for agent ecosystems), public
 * apps register without one into the configured organization, or a built-in {@code dynamic-clients}
 * one made on first use. A registered app is an app like any other (the management API and the
 * console show it; its restricted scopes wait for an admin), and it manages its own registration
 * with the registration access token it was given.
 */
public final class RegistrationService {
    public static final int MAX_INITIAL_USES = 1_000;
    public static final Duration MAX_INITIAL_LIFETIME = Duration.ofDays(30);
    static final String OPEN_ORGANIZATION_SLUG = "dynamic-clients";

    /** Who may register: holders of initial access tokens only, or also anyone (public apps). */
    public enum Mode { TOKEN, OPEN }

    private final Database database;
    private final RegistrationRepository registrations;
    private final ClientService clients;
    private final OrgService orgs;
    private final AuditLog audit;
    private final TokenCodec codec;
    private final Clock clock;
    private final String issuer;
    private final Mode mode;
    private final String openOrganization;
    private final RegistrationThrottle openThrottle;

    /**
     * @param openOrganization the ID or slug of the organization open registration fills
     *                         (GATEHOUSE_DYNAMIC_REGISTRATION_ORGANIZATION); null: the built-in one
     */
    public RegistrationService(Database database, RegistrationRepository registrations, ClientService clients,
                               OrgService orgs, AuditLog audit, TokenCodec codec, Clock clock, String issuer, Mode mode,
                               String openOrganization, RegistrationThrottle openThrottle) {
        this.database = database;
        this.registrations = registrations;
        this.clients = clients;
        this.orgs = orgs;
        this.audit = audit;
        this.codec = codec;
        this.clock = clock;
        this.issuer = issuer;
        this.mode = mode;
        this.openOrganization = openOrganization;
        this.openThrottle = openThrottle;
    }

    public Mode mode() {
        return mode;
    }

    /** A new initial access token and its value, shown this once. */
    public record CreatedToken(InitialAccessToken token, String value) {
    }

    /**
     * An initial access token registering up to {@code maxUses} apps (default 1) into the
     * organization for {@code expiresIn} seconds (default a day, at most 30 days). Owners and admins
     * of the organization (and platform admins) only.
     */
    public CreatedToken createInitial(Caller caller, UUID orgId, Integer expiresIn, Integer maxUses) {
        orgs.requireAdministrator(caller, orgId);
        int lifetime = expiresIn == null ? 86_400 : expiresIn;
        int uses = maxUses == null ? 1 : maxUses;
        if (lifetime < 60 || lifetime > MAX_INITIAL_LIFETIME.toSeconds()) {
            throw OAuthException.validation("expires_in must be 60 to " + MAX_INITIAL_LIFETIME.toSeconds() + " seconds");
        }
        if (uses < 1 || uses > MAX_INITIAL_USES) {
            throw OAuthException.validation("max_uses must be 1 to " + MAX_INITIAL_USES);
        }
        Instant now = clock.instant();
        String value = codec.generate(TokenKind.INITIAL_ACCESS_TOKEN);
        var token = new InitialAccessToken(Ids.newId(), orgId, caller.userId(), now, now.plusSeconds(lifetime), uses, 0, null);
        database.inTransaction(handle -> {
            registrations.insertInitial(handle, token, TokenCodec.hash(value));
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("initial_access_token.created").organization(orgId)
                    .details(Map.of("id", token.id().toString(), "max_uses", uses, "expires_in", lifetime)));
            return null;
        });
        return new CreatedToken(token, value);
    }

    public List<InitialAccessToken> listInitial(Caller caller, UUID orgId) {
        orgs.requireAdministrator(caller, orgId);
        return database.withHandle(handle -> registrations.listInitial(handle, orgId));
    }

    public void revokeInitial(Caller caller, UUID orgId, UUID tokenId) {
        orgs.requireAdministrator(caller, orgId);
        database.inTransaction(handle -> {
            if (!registrations.revokeInitial(handle, orgId, tokenId, clock.instant())) {
                throw OAuthException.notFound("no such live initial access token in this organization");
            }
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("initial_access_token.revoked").organization(orgId)
                    .details(Map.of("id", tokenId.toString())));
            return null;
        });
    }

    /**
     * RFC 7591 §3: registers the app {@code body} describes. {@code bearer} is the initial access
     * token presented (null: none, which open registration accepts for public apps only); {@code ip}
     * the caller's address, whose registration budget open registration spends.
     */
    public Map<String, Object> register(String bearer, JsonBody body, String ip) {
        Instant now = clock.instant();
        String registrationToken = codec.generate(TokenKind.REGISTRATION_ACCESS_TOKEN);
        byte[] registrationHash = TokenCodec.hash(registrationToken);
        ClientService.Registered registered;
        try {
            var spec = ClientMetadata.spec(body);
            if (bearer == null) {
                if (mode != Mode.OPEN) {
                    throw OAuthException.invalidToken("an initial access token is required to register (RFC 7591 §3)");
                }
                if (Boolean.TRUE.equals(spec.confidential())) {
                    throw OAuthException.of(OAuthError.INVALID_CLIENT_METADATA,
                            "open registration is for public apps: token_endpoint_auth_method must be none");
                }
                openThrottle.spend(ip, () -> { });
                UUID orgId = orgs.systemOrganization(openOrganization == null ? OPEN_ORGANIZATION_SLUG : openOrganization,
                        openOrganization == null ? "Dynamically registered apps" : null);
                registered = clients.register(orgId, spec, Actor.ANONYMOUS,
                        (handle, app) -> store(handle, app, registrationHash, null, now));
            } else {
                registered = registerWithToken(bearer, spec, registrationHash, now);
            }
        } catch (OAuthException e) {
            throw ClientMetadata.asRegistrationError(e);
        }
        Map<String, Object> answer = ClientMetadata.of(registered.client(), issuer);
        answer.put("registration_access_token", registrationToken);
        if (registered.secret() != null) {
            answer.put("client_secret", registered.secret());
            answer.put("client_secret_expires_at", 0);
        }
        return answer;
    }

    /** Spends the initial access token and registers the app in its organization, in one transaction. */
    private ClientService.Registered registerWithToken(String bearer, ClientSpec spec,
                                                       byte[] registrationHash, Instant now) {
        if (!codec.isWellFormed(TokenKind.INITIAL_ACCESS_TOKEN, bearer)) {
            throw OAuthException.invalidToken("not an initial access token");
        }
        // Spent in its own transaction before the app is checked: a token is a budget of
        // attempts, and a refused registration gives nothing back, so it cannot be probed for free.
        var spent = database.inTransaction(handle -> registrations.spendInitial(handle, TokenCodec.hash(bearer), now))
                .orElseThrow(() -> OAuthException.invalidToken("the initial access token is unknown, expired, revoked or used up"));
        return clients.register(spent.organizationId(), spec, Actor.ANONYMOUS,
                (handle, app) -> store(handle, app, registrationHash, spent.id(), now));
    }

    /** What the registration keeps of the app (its registration access token), in the app's own transaction. */
    private void store(Handle handle, Client app, byte[] registrationHash, UUID initialId, Instant now) {
        registrations.insertRegistration(handle, app.clientId(), registrationHash, initialId, now);
        audit.record(handle, Actor.client(app.clientId()), AuditLog.Event.of("client.registered").client(app.clientId())
                .organization(app.ownerOrgId()).details(initialId == null ? Map.of("via", "open")
                        : Map.of("via", "initial_access_token", "initial_access_token_id", initialId.toString())));
    }

    /**
     * RFC 7592 §2.1: the registration as it is, with a new registration access token (§3: the
     * answer carries one; only its hash is kept, so a new one is issued and the one presented ends).
     */
    public Map<String, Object> read(String clientId, String bearer) {
        Client client = authorized(clientId, bearer);
        return withNewToken(ClientMetadata.of(client, issuer), clientId, bearer);
    }

    /** The answer with the registration's next access token, which replaces {@code presented}. */
    private Map<String, Object> withNewToken(Map<String, Object> answer, String clientId, String presented) {
        String next = codec.generate(TokenKind.REGISTRATION_ACCESS_TOKEN);
        boolean rotated = database.withHandle(handle -> registrations.rotateRegistrationToken(handle, clientId,
                TokenCodec.hash(presented), TokenCodec.hash(next)));
        if (!rotated) {
            // Another request with the same token rotated it first: that one holds the next token.
            throw OAuthException.invalidToken("the registration access token was just replaced");
        }
        answer.put("registration_access_token", next);
        return answer;
    }

    /** RFC 7592 §2.2: the registration replaced by {@code body} (members left out go back to their defaults). */
    public Map<String, Object> update(String clientId, String bearer, JsonBody body) {
        Client current = authorized(clientId, bearer);
        if (body.has("client_id") && !clientId.equals(body.string("client_id", 200))) {
            throw OAuthException.invalidRequest("client_id in the body must be the app's");
        }
        Client updated;
        try {
            updated = clients.updateRegistered(current.clientId(), ClientMetadata.spec(body), Actor.client(clientId));
        } catch (OAuthException e) {
            throw ClientMetadata.asRegistrationError(e);
        }
        return withNewToken(ClientMetadata.of(updated, issuer), clientId, bearer);
    }

    /** RFC 7592 §2.3: the app deleted, with everything it was granted. */
    public void delete(String clientId, String bearer) {
        clients.deleteRegistered(authorized(clientId, bearer).clientId(), Actor.client(clientId));
    }

    /**
     * The app, when {@code bearer} is its registration access token (compared in constant time);
     * 401 invalid_token otherwise, whether the app exists or not (RFC 7592 §2).
     */
    private Client authorized(String clientId, String bearer) {
        if (bearer == null || !codec.isWellFormed(TokenKind.REGISTRATION_ACCESS_TOKEN, bearer)) {
            throw OAuthException.invalidToken("a registration access token is required");
        }
        Optional<byte[]> stored = database.withHandle(handle -> registrations.registrationTokenHash(handle, clientId));
        if (stored.isEmpty() || !MessageDigest.isEqual(stored.get(), TokenCodec.hash(bearer))) {
            throw OAuthException.invalidToken("unknown app or wrong registration access token");
        }
        return clients.find(clientId);
    }
}
