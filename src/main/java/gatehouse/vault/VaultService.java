package gatehouse.vault;

import gatehouse.Config;
import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.TokenCodec;
import gatehouse.users.Caller;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integration token vault (API.md §6): connect flows, stored connections, token lookups that
 * refresh first when the token is about to expire, and disconnection.
 *
 * <p>One refresh at a time per credential, across every node: on a node, concurrent lookups share
 * one in-flight refresh (so they do not each hold a database connection while waiting); across
 * nodes, the refresh runs under the credential's row lock and re-reads the row first, so a node that
 * waited finds the new token instead of refreshing again. The provider is called while the lock is
 * held and the renewed material is written in that same transaction: a rotating refresh token is
 * never sent twice, and never lost.
 */
public final class VaultService {
    private static final Logger log = LoggerFactory.getLogger(VaultService.class);
    public static final String READ_SCOPE = Caller.CONNECTIONS_READ_SCOPE;
    static final Duration STATE_TTL = Duration.ofMinutes(10);
    private static final long[] RETRY_PAUSES_MS = {200, 1000};

    private final Database database;
    private final VaultRepository vault;
    private final Platforms platforms;
    private final CredentialSeal seal;
    private final OrgService orgs;
    private final AuditLog audit;
    private final Clock clock;
    private final Config.Vault settings;
    private final String issuer;
    private final SecureRandom random = new SecureRandom();
    private final Map<UUID, CompletableFuture<Credential>> inFlight = new ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.MeterRegistry metrics;

    public VaultService(Database database, VaultRepository vault, Platforms platforms, Encryption encryption,
                        OrgService orgs, AuditLog audit, Clock clock, Config.Vault settings, String issuer,
                        io.micrometer.core.instrument.MeterRegistry metrics) {
        this.metrics = metrics;
        this.database = database;
        this.vault = vault;
        this.platforms = platforms;
        this.seal = new CredentialSeal(encryption);
        this.orgs = orgs;
        this.audit = audit;
        this.clock = clock;
        this.settings = settings;
        this.issuer = issuer;
    }

    // --- connect flow ---------------------------------------------------------------------------

    /** {@code GET /oauth/install/{platform}}: where to send the organization admin's browser. */
    public URI startInstall(Caller caller, String platformName, String kind, UUID orgId, String returnTo) {
        if (caller.userId() == null) {
            throw OAuthException.forbidden("connecting a platform needs a signed-in organization admin");
        }
        if (orgId == null) {
            throw OAuthException.validation("organization_id is required");
        }
        orgs.requireAdministrator(caller, orgId);
        Platform platform = platforms.require(platformName, kind);
        if (returnTo != null && !isAllowedReturn(returnTo)) {
            throw OAuthException.validation("return_to is not one of the allowed return URLs (GATEHOUSE_CONNECT_RETURN_URLS)");
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        CodeVerifier verifier = platform.usesPkce() ? new CodeVerifier() : null;
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            vault.deleteExpiredStates(handle, now);
            vault.insertState(handle, TokenCodec.hash(state), new VaultRepository.ConnectState(platform.name(),
                    platform.kind(), orgId, caller.userId(), verifier == null ? null : seal.sealText(verifier.getValue()),
                    returnTo, now.plus(STATE_TTL)), now);
            return null;
        });
        String challenge = verifier == null ? null : CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue();
        return platform.authorizeUrl(state, callbackUrl(platform.name()), challenge);
    }

    /** Where the provider sends the browser back: {@code {issuer}/oauth/callback/{platform}}. */
    public String callbackUrl(String platform) {
        return issuer + "/oauth/callback/" + platform;
    }

    /** What a completed connect flow made, and where to send the browser. */
    public record Connected(List<Connection> connections, String returnTo) {
    }

    /**
     * {@code GET /oauth/callback/{platform}}: the state is checked (and used up) before anything
     * else, so a bad, replayed, expired or foreign one never reaches the provider's token endpoint.
     */
    public Connected completeInstall(Caller sessionUser, String platformName, Map<String, String> params) {
        if (!Platforms.NAMES.contains(platformName)) {
            throw OAuthException.notFound("unknown platform '" + platformName + "'");
        }
        String state = params.get("state");
        if (state == null || state.length() > 200) {
            throw OAuthException.invalidRequest("state is missing");
        }
        Instant now = clock.instant();
        var flow = database.inTransaction(handle -> vault.consumeState(handle, TokenCodec.hash(state), platformName))
                .orElseThrow(() -> OAuthException.invalidRequest("state is unknown or was already used"));
        if (flow.expiresAt().isBefore(now)) {
            throw OAuthException.invalidRequest("state has expired; start the connection again");
        }
        if (sessionUser == null || !flow.userId().equals(sessionUser.userId())) {
            throw OAuthException.invalidRequest("state belongs to another user's connect flow");
        }
        if (params.get("error") != null) {
            throw OAuthException.invalidRequest("the provider refused: " + clip(params.get("error")));
        }
        Platform platform = platforms.forCredential(flow.platform(), flow.kind());
        orgs.requireAdministrator(sessionUser, flow.organizationId());
        Authorization authorization;
        try {
            authorization = platform.complete(params, callbackUrl(platform.name()),
                    flow.codeVerifier() == null ? null : seal.openText(flow.codeVerifier()));
        } catch (ProviderException e) {
            throw e.kind() == ProviderException.Kind.TRANSIENT
                    ? OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, platform.name() + " is unavailable: " + e.getMessage())
                    : OAuthException.invalidRequest(platform.name() + " refused the connection: " + e.getMessage());
        }
        if (authorization.accounts().isEmpty()) {
            throw OAuthException.invalidRequest(platform.name() + " named no account to connect");
        }
        Credential credential = authorization.credential();
        List<Connection> connections = database.inTransaction(handle -> {
            UUID credentialId = Ids.newId();
            vault.insertCredential(handle, credentialId, platform.name(), platform.kind(), seal.seal(credential),
                    credential.expiresAt(), platform.canRefresh(credential), now);
            return authorization.accounts().stream().map(account -> {
                Connection connection = vault.upsertConnection(handle, credentialId, platform.name(), platform.kind(),
                        flow.organizationId(), account.externalId(), account.externalName(), credential.scopes(),
                        sessionUser.userId(), now);
                audit.record(handle, sessionUser.auditActor(), AuditLog.Event.of("connection.created")
                        .organization(flow.organizationId()).details(details(connection)));
                return connection;
            }).toList();
        });
        return new Connected(connections, flow.returnTo());
    }

    private boolean isAllowedReturn(String returnTo) {
        for (String prefix : settings.returnUrls()) {
            if (returnTo.equals(prefix) || returnTo.startsWith(prefix) && (prefix.endsWith("/")
                    || "/?#".indexOf(returnTo.charAt(prefix.length())) >= 0)) {
                return true;
            }
        }
        return false;
    }

    // --- lookup and refresh ---------------------------------------------------------------------

    /** What {@code GET /oauth/token/{platform}} answers. */
    public record TokenView(String accessToken, String tokenType, Instant expiresAt, String platform,
                            UUID connectionId, UUID organizationId, String externalId, List<String> scopes) {
    }

    /** A valid token for the connection named by exactly one key, refreshed first when it expires soon. */
    public TokenView lookup(Caller caller, String platformName, String organizationId, String workspaceId,
                            String siteId) {
        if (!caller.isPlatformAdmin() && !caller.isServiceWith(READ_SCOPE)) {
            throw OAuthException.forbidden("reading vault tokens needs a service token (client credentials) with scope "
                    + READ_SCOPE + ", or an admin");
        }
        if (!Platforms.NAMES.contains(platformName)) {
            throw OAuthException.notFound("unknown platform '" + platformName + "'");
        }
        long keys = java.util.stream.Stream.of(organizationId, workspaceId, siteId).filter(k -> k != null).count();
        if (keys != 1) {
            throw OAuthException.validation("name exactly one of organization_id, workspace_id, site_id");
        }
        if (workspaceId != null && !platformName.equals("slack") || siteId != null && !platformName.equals("jira")) {
            throw OAuthException.validation(workspaceId != null ? "workspace_id is for slack" : "site_id is for jira");
        }
        UUID orgId = organizationId == null ? null : gatehouse.web.JsonBody.parseUuid("organization_id", organizationId);
        String external = workspaceId != null ? workspaceId : siteId;
        Connection connection = database.withHandle(handle -> vault.findLive(handle, platformName, orgId, external))
                .orElseThrow(() -> OAuthException.notFound("no active " + platformName + " connection for that key"));
        if (!Connection.ACTIVE.equals(connection.status())) {
            throw OAuthException.of(OAuthError.REAUTHORIZATION_REQUIRED, "the " + platformName
                    + " connection needs to be authorized again: " + connection.lastError());
        }
        Credential credential = validCredential(connection.credentialId(), connection.platform(), connection.kind());
        return new TokenView(credential.accessToken(), "Bearer", credential.expiresAt(), connection.platform(),
                connection.id(), connection.organizationId(), connection.externalId(), credential.scopes());
    }

    private Credential validCredential(UUID credentialId, String platformName, String kind) {
        var stored = database.withHandle(handle -> vault.findCredential(handle, credentialId))
                .orElseThrow(() -> OAuthException.notFound("the connection holds no token"));
        if (!needsRefresh(stored)) {
            return seal.open(stored.material());
        }
        return refreshShared(credentialId, platforms.forCredential(platformName, kind), settings.refreshSkew());
    }

    private boolean needsRefresh(VaultRepository.StoredCredential stored) {
        return expiresWithin(stored, settings.refreshSkew());
    }

    private boolean expiresWithin(VaultRepository.StoredCredential stored, Duration window) {
        return stored.expiresAt() != null && stored.expiresAt().isBefore(clock.instant().plus(window));
    }

    /**
     * Joins this node's refresh of the credential in flight, or runs one, for a credential expiring
     * within {@code window} (the lookups' skew, or the refresher's longer horizon).
     */
    Credential refreshShared(UUID credentialId, Platform platform, Duration window) {
        CompletableFuture<Credential> mine = new CompletableFuture<>();
        CompletableFuture<Credential> running = inFlight.putIfAbsent(credentialId, mine);
        if (running == null) {
            try {
                mine.complete(refreshLocked(credentialId, platform, window));
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

    /** The outcome of a refresh under the lock; refusals are thrown after the transaction commits. */
    private record Refreshed(Credential credential, OAuthException refusal) {
    }

    private Credential refreshLocked(UUID credentialId, Platform platform, Duration window) {
        Refreshed result = database.inTransaction(handle -> {
            var stored = vault.lockCredential(handle, credentialId)
                    .orElseThrow(() -> OAuthException.notFound("the connection holds no token"));
            Credential current = seal.open(stored.material());
            if (!expiresWithin(stored, window)) {
                return new Refreshed(current, null); // another node refreshed while this one waited
            }
            if (!platform.canRefresh(current)) {
                if (stored.expiresAt().isAfter(clock.instant())) {
                    return new Refreshed(current, null); // expires soon, but nothing can renew it earlier
                }
                return new Refreshed(null, needsReauth(handle, credentialId, platform, "expired and not refreshable"));
            }
            try {
                Credential renewed = withRetries(() -> platform.refresh(current));
                Instant now = clock.instant();
                vault.storeRefreshed(handle, credentialId, seal.seal(renewed), renewed.expiresAt(),
                        platform.canRefresh(renewed), now);
                counted(platform, "refreshed");
                audit.record(handle, Actor.SYSTEM, AuditLog.Event.of("connection.refreshed")
                        .details(Map.of("platform", platform.name(), "credential_id", credentialId.toString())));
                return new Refreshed(renewed, null);
            } catch (ProviderException e) {
                counted(platform, e.kind().name().toLowerCase(java.util.Locale.ROOT));
                if (e.kind() == ProviderException.Kind.PERMANENT) {
                    return new Refreshed(null, needsReauth(handle, credentialId, platform, e.providerError()));
                }
                log.warn("refreshing a {} credential {} failed ({}): {}", platform.name(), credentialId, e.kind(),
                        e.getMessage());
                return new Refreshed(null, OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE,
                        platform.name() + " is unavailable; the stored token was kept: " + e.providerError()));
            }
        });
        if (result.refusal() != null) {
            throw result.refusal();
        }
        return result.credential();
    }

    /** {@code gatehouse_vault_refreshes{platform, outcome}} (API.md §7: refresh outcomes). */
    private void counted(Platform platform, String outcome) {
        metrics.counter("gatehouse_vault_refreshes", "platform", platform.name(), "outcome", outcome).increment();
    }

    private OAuthException needsReauth(Handle handle, UUID credentialId, Platform platform, String error) {
        Instant now = clock.instant();
        for (Connection connection : vault.markNeedsReauth(handle, credentialId, error, now)) {
            audit.record(handle, Actor.SYSTEM, AuditLog.Event.of("connection.refresh_failed")
                    .organization(connection.organizationId()).details(Map.of("connection_id", connection.id().toString(),
                            "platform", platform.name(), "error", error)));
        }
        return OAuthException.of(OAuthError.REAUTHORIZATION_REQUIRED,
                "the " + platform.name() + " connection needs to be authorized again: " + error);
    }

    private interface ProviderCall {
        Credential call() throws ProviderException;
    }

    /** Transient failures are tried three times (pauses ~0.2 s, 1 s); the others at once. */
    private static Credential withRetries(ProviderCall call) throws ProviderException {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.call();
            } catch (ProviderException e) {
                if (e.kind() != ProviderException.Kind.TRANSIENT || attempt >= RETRY_PAUSES_MS.length) {
                    throw e;
                }
                try {
                    Thread.sleep(RETRY_PAUSES_MS[attempt]);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The background refresher's entry: renews one credential, reporting instead of throwing. */
    boolean refreshQuietly(UUID credentialId, Duration horizon) {
        var stored = database.withHandle(handle -> vault.findCredential(handle, credentialId));
        if (stored.isEmpty()) {
            return true;
        }
        try {
            refreshShared(credentialId, platforms.forCredential(stored.get().platform(), stored.get().kind()), horizon);
            return true;
        } catch (OAuthException e) {
            return e.error() == OAuthError.REAUTHORIZATION_REQUIRED; // settled: nothing more to try
        }
    }

    // --- management -----------------------------------------------------------------------------

    /** Connections, never token values: organization admins see their organizations', admins and internal services all. */
    public Page<Connection> list(Caller caller, UUID orgId, String platform, String status, PageRequest page) {
        List<UUID> visible = null;
        if (!caller.isPlatformAdmin() && !caller.scopes().contains(READ_SCOPE)) {
            if (orgId == null) {
                throw OAuthException.validation("organization_id is required unless you are an admin");
            }
            orgs.requireAdministrator(caller, orgId);
            visible = List.of(orgId);
        }
        if (status != null && !List.of(Connection.ACTIVE, Connection.NEEDS_REAUTH, Connection.REVOKED).contains(status)) {
            throw OAuthException.validation("status must be active, needs_reauth or revoked");
        }
        List<UUID> orgsFilter = visible;
        return Page.of(database.withHandle(handle -> vault.list(handle, orgsFilter, orgId, platform, status, page)),
                page.limit(), Connection::id);
    }

    /** Revokes at the provider (best effort), marks the connection revoked and destroys its token material. */
    public void disconnect(Caller caller, UUID connectionId) {
        Connection connection = database.withHandle(handle -> vault.findConnection(handle, connectionId))
                .filter(c -> !Connection.REVOKED.equals(c.status()))
                .orElseThrow(() -> OAuthException.notFound("no such connection"));
        orgs.requireAdministrator(caller, connection.organizationId());
        boolean shared = database.withHandle(handle -> vault.credentialShared(handle, connectionId));
        if (!shared && connection.credentialId() != null) {
            revokeAtProvider(connection);
        }
        database.inTransaction(handle -> {
            vault.revoke(handle, connectionId, clock.instant());
            if (!vault.credentialShared(handle, connectionId) && connection.credentialId() != null) {
                vault.deleteCredential(handle, connection.credentialId());
            }
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("connection.revoked")
                    .organization(connection.organizationId()).details(details(connection)));
            return null;
        });
    }

    private void revokeAtProvider(Connection connection) {
        try {
            var stored = database.withHandle(handle -> vault.findCredential(handle, connection.credentialId()));
            if (stored.isPresent()) {
                platforms.forCredential(connection.platform(), connection.kind()).revoke(seal.open(stored.get().material()));
            }
        } catch (ProviderException | RuntimeException e) {
            log.warn("revoking {} connection {} at the provider failed ({}); its tokens are destroyed here anyway",
                    connection.platform(), connection.id(), e.getMessage());
        }
    }

    /** {@code GET /oauth/status}. */
    public Map<String, Object> status(Instant lastRefresherRun) {
        Instant now = clock.instant();
        Map<String, Map<String, Object>> byPlatform = new LinkedHashMap<>();
        for (String name : Platforms.NAMES) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("configured", platforms.isConfigured(name));
            Map<String, Object> counts = new LinkedHashMap<>();
            for (String status : List.of(Connection.ACTIVE, Connection.NEEDS_REAUTH, Connection.REVOKED)) {
                counts.put(status, 0L);
            }
            entry.put("connections", counts);
            entry.put("expiring_within_1h", 0L);
            entry.put("refresh_failures_24h", 0L);
            byPlatform.put(name, entry);
        }
        database.withHandle(handle -> {
            for (Object[] row : vault.counts(handle, now)) {
                var entry = byPlatform.get((String) row[0]);
                if (entry != null) {
                    @SuppressWarnings("unchecked")
                    var counts = (Map<String, Object>) entry.get("connections");
                    counts.put((String) row[1], row[2]);
                    entry.put("expiring_within_1h", (Long) entry.get("expiring_within_1h") + (Long) row[3]);
                }
            }
            handle.createQuery("""
                            SELECT details->>'platform' AS platform, count(*) AS n FROM audit_logs
                            WHERE action = 'connection.refresh_failed' AND at > :since GROUP BY 1""")
                    .bind("since", now.minus(Duration.ofHours(24)))
                    .map((rs, ctx) -> new Object[] {rs.getString("platform"), rs.getLong("n")})
                    .forEach(row -> {
                        var entry = byPlatform.get((String) row[0]);
                        if (entry != null) {
                            entry.put("refresh_failures_24h", row[1]);
                        }
                    });
            return null;
        });
        Map<String, Object> refresher = new LinkedHashMap<>();
        refresher.put("last_run_at", lastRefresherRun == null ? null : gatehouse.web.Json.instant(lastRefresherRun));
        return Map.of("platforms", byPlatform, "refresher", refresher);
    }

    private static Map<String, Object> details(Connection connection) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connection_id", connection.id().toString());
        details.put("platform", connection.platform());
        details.put("kind", connection.kind());
        details.put("external_id", connection.externalId());
        return details;
    }

    private static String clip(String value) {
        return value.length() > 100 ? value.substring(0, 100) : value;
    }
}
