package gatehouse.vault;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.auth.Caller;
import gatehouse.web.JsonBody;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands internal services a valid token for a connection, renewing it first when it is about to
 * expire, and renews tokens for the background refresher.
 *
 * <p>One refresh at a time per credential across every node, and never a database connection held
 * while a provider answers: a refresh takes the credential's lease (one UPDATE), calls the provider
 * with no transaction open, writes the renewed material the moment it arrives, and gives the lease
 * back. Concurrent lookups on this node share the refresh in flight; on other nodes they poll the
 * row until the lease is released and take what the holder left — the new token, or its failure.
 * A rotating refresh token is therefore sent once per attempt, and resent only when the request
 * provably never reached the provider; after a timeout, a dropped connection or a 5xx the stored
 * pair is kept, the answer is 503, and the next attempt reads the store again first.
 */
public final class TokenLookup {
    private static final Logger log = LoggerFactory.getLogger(TokenLookup.class);
    public static final String READ_SCOPE = Caller.CONNECTIONS_READ_SCOPE;
    /**
     * Longer than any refresh can take — three tries of a call bounded at 15 s, the persisting
     * retries, and the wait for a database connection — so a live holder never loses it.
     */
    static final Duration LEASE = Duration.ofSeconds(120);
    /** How long a refresh waits for one of its pooled connections before answering 503. */
    private static final Duration DATABASE_WAIT = Duration.ofSeconds(5);
    /** How long a caller waits for another node's refresh before answering 503. */
    private static final Duration WAIT_FOR_OTHER_NODE = Duration.ofSeconds(45);
    private static final long[] RETRY_PAUSES_MS = {200, 1000};
    /** A credential renewed this recently is not renewed again because a provider refused it. */
    static final Duration RENEWED_RECENTLY = Duration.ofSeconds(60);
    private static final long[] PERSIST_PAUSES_MS = {200, 1000, 3000};
    private static final String NEEDS_REAUTH = "needs_reauth:";
    private static final String UNAVAILABLE = "unavailable:";

    private final Database database;
    private final VaultRepository vault;
    private final Platforms platforms;
    private final CredentialSeal seal;
    private final AuditLog audit;
    private final ConnectionEvents events;
    private final Clock clock;
    private final Duration skew;
    private final MeterRegistry metrics;
    private final Map<UUID, CompletableFuture<Credential>> inFlight = new ConcurrentHashMap<>();
    /**
     * Refreshes use at most this many pooled connections at once, whatever the number of expiring
     * connections: a slow provider must never starve the token endpoint of database connections.
     */
    private final Semaphore refreshDatabaseWork = new Semaphore(4);

    public TokenLookup(Database database, VaultRepository vault, Platforms platforms, Encryption encryption,
                       AuditLog audit, ConnectionEvents events, Clock clock, Duration skew, MeterRegistry metrics) {
        this.database = database;
        this.vault = vault;
        this.platforms = platforms;
        this.seal = new CredentialSeal(encryption);
        this.audit = audit;
        this.events = events;
        this.clock = clock;
        this.skew = skew;
        this.metrics = metrics;
    }

    /** What {@code GET /oauth/token/{platform}} answers. */
    public record TokenView(String accessToken, String tokenType, Instant expiresAt, String platform,
                            UUID connectionId, UUID organizationId, String externalId, List<String> scopes) {
    }

    /**
     * A valid token for the connection named by exactly one key, refreshed first when it expires
     * within the skew. For platform admins, and for internal services: a service token (client
     * credentials of the app itself, in its own organization) with {@code connections:read}.
     */
    public TokenView lookup(Caller caller, String platformName, String organizationId, String workspaceId,
                            String siteId) {
        if (!caller.isPlatformAdmin() && !caller.isServiceWith(READ_SCOPE)) {
            throw OAuthException.forbidden("reading vault tokens needs a service token (client credentials) with scope "
                    + READ_SCOPE + ", or an admin");
        }
        ProviderDefinition definition = platforms.definition(platformName);
        if (Stream.of(organizationId, workspaceId, siteId).filter(k -> k != null).count() != 1) {
            throw OAuthException.validation("name exactly one of organization_id, workspace_id, site_id");
        }
        String key = workspaceId != null ? "workspace_id" : siteId != null ? "site_id" : null;
        if (key != null && !key.equals(definition.externalKey())) {
            throw OAuthException.validation(key + " does not name a " + platformName + " connection; use "
                    + String.join(" or ", definition.lookupKeys()));
        }
        UUID orgId = organizationId == null ? null : JsonBody.parseUuid("organization_id", organizationId);
        String external = workspaceId != null ? workspaceId : siteId;
        Connection connection = find(platformName, orgId, external);
        Platform platform = platforms.forCredential(connection.platform(), connection.kind());
        Credential credential = credentialFor(connection);
        return new TokenView(credential.accessToken(), "Bearer", handedOutExpiry(platform, credential),
                connection.platform(), connection.id(), connection.organizationId(), connection.externalId(),
                credential.scopes());
    }

    /** The live connection of {@code platformName} named by an organization or an external account ID; 404 when none. */
    Connection find(String platformName, UUID orgId, String externalId) {
        return database.withHandle(handle -> vault.findLive(handle, platformName, orgId, externalId))
                .orElseThrow(() -> OAuthException.notFound("no active " + platformName + " connection for that key"));
    }

    /** A connection that is not revoked, by ID. */
    Optional<Connection> liveConnection(UUID id) {
        return database.withHandle(handle -> vault.findConnection(handle, id))
                .filter(connection -> !Connection.REVOKED.equals(connection.status()));
    }

    /**
     * A valid credential of an active connection, renewed first when it expires within the skew; 409
     * when the connection needs re-authorization or is suspended.
     */
    Credential credentialFor(Connection connection) {
        if (!Connection.ACTIVE.equals(connection.status())) {
            throw OAuthException.of(OAuthError.REAUTHORIZATION_REQUIRED, "the " + connection.platform()
                    + " connection " + (Connection.SUSPENDED.equals(connection.status()) ? "is suspended at the provider"
                    : "needs to be authorized again: " + connection.lastError()));
        }
        return validCredential(connection.credentialId(), platforms.forCredential(connection.platform(), connection.kind()));
    }

    /**
     * After the provider refused {@code rejectedAccessToken}: a renewed credential (shared with any
     * refresh in flight, once across nodes), the one another caller already renewed, or null when
     * nothing can renew it. A permanent refusal marks the connection for re-authorization (409).
     */
    Credential renewRejected(Connection connection, String rejectedAccessToken) {
        Platform platform = platforms.forCredential(connection.platform(), connection.kind());
        var stored = database.withHandle(handle -> vault.findCredential(handle, connection.credentialId()))
                .orElseThrow(() -> OAuthException.notFound("the connection holds no token"));
        Credential current = seal.open(stored.material());
        if (!current.accessToken().equals(rejectedAccessToken)) {
            return current;
        }
        if (!platform.canRefresh(current) || stored.lastRefreshedAt() != null
                && stored.lastRefreshedAt().isAfter(clock.instant().minus(RENEWED_RECENTLY))) {
            // A token renewed moments ago and refused again is refused for another reason (a scope,
            // a resource): renewing once more would only spend refresh tokens at the caller's pace.
            return null;
        }
        Credential renewed = refreshShared(connection.credentialId(), platform,
                candidate -> seal.open(candidate.material()).accessToken().equals(rejectedAccessToken));
        return renewed.accessToken().equals(rejectedAccessToken) ? null : renewed;
    }

    /**
     * The expiry a caller may trust. When renewing kills the current token (GitHub App user tokens),
     * any lookup within the skew renews it, so the token must be reported as expiring that early.
     */
    private Instant handedOutExpiry(Platform platform, Credential credential) {
        if (credential.expiresAt() == null || !platform.refreshKillsAccessToken(credential)) {
            return credential.expiresAt();
        }
        return credential.expiresAt().minus(skew);
    }

    private Credential validCredential(UUID credentialId, Platform platform) {
        var stored = database.withHandle(handle -> vault.findCredential(handle, credentialId))
                .orElseThrow(() -> OAuthException.notFound("the connection holds no token"));
        if (!expiresWithin(stored, skew)) {
            return seal.open(stored.material());
        }
        return refreshShared(credentialId, platform, due(skew));
    }

    /** A refresh is due when the stored credential expires within {@code window}. */
    private Predicate<VaultRepository.StoredCredential> due(Duration window) {
        return stored -> expiresWithin(stored, window);
    }

    private boolean expiresWithin(VaultRepository.StoredCredential stored, Duration window) {
        return stored.expiresAt() != null && stored.expiresAt().isBefore(clock.instant().plus(window));
    }

    /**
     * The background refresher's entry: renews one credential expiring within {@code horizon},
     * reporting instead of throwing (true when settled: renewed, or needing re-authorization). A
     * credential whose renewal kills its access token waits for the lookups' skew instead, so no
     * token handed out dies before the expiry it was handed out with.
     */
    boolean refreshQuietly(UUID credentialId, Duration horizon) {
        var stored = database.withHandle(handle -> vault.findCredential(handle, credentialId));
        if (stored.isEmpty()) {
            return true;
        }
        try {
            Platform platform = platforms.forCredential(stored.get().platform(), stored.get().kind());
            Duration window = platform.refreshKillsAccessToken(seal.open(stored.get().material())) ? skew : horizon;
            if (expiresWithin(stored.get(), window)) {
                refreshShared(credentialId, platform, due(window));
            }
            return true;
        } catch (OAuthException e) {
            return e.error() == OAuthError.REAUTHORIZATION_REQUIRED;
        }
    }

    /** Joins this node's refresh of the credential in flight, or runs one. */
    private Credential refreshShared(UUID credentialId, Platform platform, Predicate<VaultRepository.StoredCredential> due) {
        CompletableFuture<Credential> mine = new CompletableFuture<>();
        CompletableFuture<Credential> running = inFlight.putIfAbsent(credentialId, mine);
        if (running == null) {
            try {
                mine.complete(refreshAcrossNodes(credentialId, platform, due));
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
            } finally {
                inFlight.remove(credentialId, mine);
            }
            running = mine;
        }
        try {
            return running.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "interrupted while waiting for a refresh");
        }
    }

    /**
     * Takes the lease and refreshes, or waits for the node that holds it and takes its outcome. An
     * attempt that failed after this caller began to wait is its outcome too: the refresh token may
     * have reached the provider, so this caller must not send it again at once.
     */
    private Credential refreshAcrossNodes(UUID credentialId, Platform platform,
                                          Predicate<VaultRepository.StoredCredential> due) {
        Instant waitingSince = null;
        long pause = 20;
        while (true) {
            UUID owner = Ids.newId();
            var attempt = withDatabase(handle -> vault.tryRefreshLease(handle, credentialId, owner, LEASE))
                    .orElseThrow(() -> OAuthException.notFound("the connection holds no token"));
            VaultRepository.StoredCredential stored = attempt.credential();
            if (waitingSince != null && stored.refreshFailedAt() != null && !stored.refreshFailedAt().isBefore(waitingSince)) {
                if (attempt.taken()) {
                    release(credentialId, owner);
                }
                throw refusalFrom(platform, stored.refreshError()); // the attempt we waited for failed
            }
            if (attempt.taken()) {
                try {
                    return refreshUnderLease(stored, owner, platform, due);
                } finally {
                    release(credentialId, owner);
                }
            }
            if (!due.test(stored)) {
                return seal.open(stored.material()); // another node renewed it
            }
            if (waitingSince == null) {
                waitingSince = attempt.databaseNow();
            } else if (attempt.databaseNow().isAfter(waitingSince.plus(WAIT_FOR_OTHER_NODE))) {
                throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE,
                        "another node's refresh of this " + platform.name() + " token is taking too long; try again");
            }
            sleep(pause);
            pause = Math.min(pause * 2, 250);
        }
    }

    private void release(UUID credentialId, UUID owner) {
        withDatabase(handle -> {
            vault.releaseRefreshLease(handle, credentialId, owner);
            return null;
        });
    }

    /** Under the lease: re-read (another node may have renewed meanwhile), call the provider, persist first. */
    private Credential refreshUnderLease(VaultRepository.StoredCredential stored, UUID owner, Platform platform,
                                         Predicate<VaultRepository.StoredCredential> due) {
        Credential current = seal.open(stored.material());
        if (!due.test(stored)) {
            return current;
        }
        if (!platform.canRefresh(current)) {
            if (stored.expiresAt() == null || stored.expiresAt().isAfter(clock.instant())) {
                return current; // expires soon, but nothing can renew it earlier
            }
            throw needsReauth(stored.id(), owner, platform, "expired and not refreshable");
        }
        Credential renewed;
        try {
            renewed = callProvider(() -> platform.refresh(current));
        } catch (ProviderException e) {
            counted(platform, e.kind().name().toLowerCase(Locale.ROOT));
            if (e.kind() == ProviderException.Kind.PERMANENT) {
                throw needsReauth(stored.id(), owner, platform, e.providerError());
            }
            log.warn("refreshing a {} credential {} failed ({}): {}", platform.name(), stored.id(), e.kind(), e.getMessage());
            recordFailure(stored.id(), owner, UNAVAILABLE + e.providerError());
            announceQuietly(stored.id(), "connection.refresh_failed", e.providerError());
            throw unavailable(platform, e.providerError());
        }
        persist(stored.id(), renewed, platform);
        counted(platform, "refreshed");
        auditQuietly(Actor.SYSTEM, AuditLog.Event.of("connection.refreshed")
                .details(Map.of("platform", platform.name(), "credential_id", stored.id().toString())), stored.id(), null);
        return renewed;
    }

    /**
     * Writes renewed material before anything else happens: the provider may already have retired
     * the old pair, so losing this write loses the connection. A database hiccup is tried again.
     */
    private void persist(UUID credentialId, Credential renewed, Platform platform) {
        String material = seal.seal(renewed);
        for (int attempt = 0; ; attempt++) {
            try {
                withDatabase(handle -> {
                    vault.storeRefreshed(handle, credentialId, material, renewed.expiresAt(),
                            platform.canRefresh(renewed), clock.instant());
                    return null;
                });
                return;
            } catch (RuntimeException e) {
                if (attempt >= PERSIST_PAUSES_MS.length) {
                    log.error("a renewed {} credential {} could not be stored: {}", platform.name(), credentialId, e.toString());
                    throw e;
                }
                sleep(PERSIST_PAUSES_MS[attempt]);
            }
        }
    }

    private interface ProviderCall {
        Credential call() throws ProviderException;
    }

    /**
     * Tried again (pauses ~0.2 s, 1 s) only when the request never left: a refresh token that may
     * have reached the provider is never sent a second time in one attempt.
     */
    private static Credential callProvider(ProviderCall call) throws ProviderException {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.call();
            } catch (ProviderException e) {
                if (!e.neverSent() || attempt >= RETRY_PAUSES_MS.length) {
                    throw e;
                }
                sleep(RETRY_PAUSES_MS[attempt]);
            }
        }
    }

    /** Every live connection of the credential needs re-authorization; the callers that waited learn it too. */
    private OAuthException needsReauth(UUID credentialId, UUID owner, Platform platform, String error) {
        Instant now = clock.instant();
        withDatabase(handle -> handle.inTransaction(tx -> {
            for (Connection connection : vault.markNeedsReauth(tx, credentialId, error, now)) {
                audit.record(tx, Actor.SYSTEM, AuditLog.Event.of("connection.refresh_failed")
                        .organization(connection.organizationId()).details(Map.of("connection_id",
                                connection.id().toString(), "platform", platform.name(), "error", error)));
                events.changed(tx, "connection.needs_reauth", connection, error);
            }
            vault.recordRefreshAttemptFailed(tx, credentialId, owner, NEEDS_REAUTH + error);
            return null;
        }));
        return reauthorizationRequired(platform, error);
    }

    private void recordFailure(UUID credentialId, UUID owner, String error) {
        try {
            withDatabase(handle -> {
                vault.recordRefreshAttemptFailed(handle, credentialId, owner, error);
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("could not record a failed refresh of credential {}: {}", credentialId, e.toString());
        }
    }

    /** The outcome another node's failed attempt left for the callers that waited on it. */
    private static OAuthException refusalFrom(Platform platform, String recorded) {
        String error = recorded == null ? "" : recorded;
        if (error.startsWith(NEEDS_REAUTH)) {
            return reauthorizationRequired(platform, error.substring(NEEDS_REAUTH.length()));
        }
        return unavailable(platform, error.startsWith(UNAVAILABLE) ? error.substring(UNAVAILABLE.length()) : error);
    }

    private static OAuthException reauthorizationRequired(Platform platform, String error) {
        return OAuthException.of(OAuthError.REAUTHORIZATION_REQUIRED,
                "the " + platform.name() + " connection needs to be authorized again: " + error);
    }

    private static OAuthException unavailable(Platform platform, String error) {
        return OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE,
                platform.name() + " is unavailable; the stored token was kept: " + error);
    }

    /** Audits a refresh and tells the credential's live connections' subscribers of it, in one transaction. */
    private void auditQuietly(Actor actor, AuditLog.Event event, UUID credentialId, String error) {
        try {
            withDatabase(handle -> handle.inTransaction(tx -> {
                audit.record(tx, actor, event);
                for (Connection connection : vault.liveOfCredential(tx, credentialId)) {
                    events.changed(tx, "connection.refreshed", connection, error);
                }
                return null;
            }));
        } catch (RuntimeException e) {
            log.warn("could not audit a vault refresh: {}", e.toString());
        }
    }

    /** A transient refresh failure: the connections stay active, their subscribers hear of it. */
    private void announceQuietly(UUID credentialId, String type, String error) {
        try {
            withDatabase(handle -> handle.inTransaction(tx -> {
                for (Connection connection : vault.liveOfCredential(tx, credentialId)) {
                    events.changed(tx, type, connection, error);
                }
                return null;
            }));
        } catch (RuntimeException e) {
            log.warn("could not announce a failed refresh: {}", e.toString());
        }
    }

    /** {@code gatehouse_vault_refreshes{platform, outcome}}. */
    private void counted(Platform platform, String outcome) {
        metrics.counter("gatehouse_vault_refreshes", "platform", platform.name(), "outcome", outcome).increment();
    }

    /** A short piece of database work of a refresh, within the refreshes' share of the pool. */
    private <T> T withDatabase(Function<Handle, T> work) {
        try {
            if (!refreshDatabaseWork.tryAcquire(DATABASE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "too many refreshes at once; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "interrupted while refreshing");
        }
        try {
            return database.withHandle(work);
        } finally {
            refreshDatabaseWork.release();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "interrupted while refreshing");
        }
    }
}
