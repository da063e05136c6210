package gatehouse.vault;

import gatehouse.audit.AuditLog;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.auth.Caller;
import gatehouse.web.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Managing connections: listing them (never their token values), disconnecting, and the vault's
 * status. Listing and disconnecting are management acts: a browser session of the organization's
 * owner or admin, or a token with {@code admin:*}; every other token is refused before anything is
 * read or revoked.
 */
public final class Connections {
    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private final Database database;
    private final VaultRepository vault;
    private final Platforms platforms;
    private final CredentialSeal seal;
    private final OrgService orgs;
    private final AuditLog audit;
    private final ConnectionEvents events;
    private final Clock clock;

    public Connections(Database database, VaultRepository vault, Platforms platforms, Encryption encryption,
                       OrgService orgs, AuditLog audit, ConnectionEvents events, Clock clock) {
        this.database = database;
        this.vault = vault;
        this.platforms = platforms;
        this.seal = new CredentialSeal(encryption);
        this.orgs = orgs;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    /** The platforms this deployment has credentials for: those an organization can connect. */
    public List<String> configuredPlatforms() {
        return platforms.names().stream().filter(platforms::isConfigured).toList();
    }

    /**
     * One way to connect: a platform, the kind of flow (GitHub's "app" or "oauth"; null for the others),
     * its name, and whether the confirmation page must ask for connection parameters first (a subdomain).
     */
    public record ConnectOption(String platform, String kind, String label, boolean asksParams) {
    }

    /** A configured platform as the console shows it: name, label, and whether connecting asks for parameters. */
    public record PlatformCard(String name, String label, boolean asksParams) {
    }

    /** The configured platforms, for the console's cards. */
    public List<PlatformCard> platformCards() {
        return configuredPlatforms().stream().map(name -> new PlatformCard(name, label(name, null),
                !platforms.definition(name).connectionParams().isEmpty())).toList();
    }

    /** Every way an organization can connect a platform here. */
    public List<ConnectOption> connectOptions() {
        List<ConnectOption> options = new ArrayList<>();
        for (String platform : configuredPlatforms()) {
            List<String> kinds = platforms.kindsOf(platform);
            for (String kind : kinds) {
                // A platform with one flow needs no kind; GitHub's two are told apart by it (and named).
                String chosen = kinds.size() > 1 ? kind : null;
                options.add(new ConnectOption(platform, chosen, chosen == null ? label(platform, null)
                        : "app".equals(kind) ? label(platform, kind) : label(platform, null) + " (OAuth App)",
                        !platforms.definition(platform).connectionParams().isEmpty()));
            }
        }
        return options;
    }

    /** Platform admins see every organization's (or one's); an organization's administrators see theirs. */
    public Page<Connection> list(Caller caller, UUID orgId, String platform, String status, PageRequest page) {
        requireManager(caller);
        if (!caller.isPlatformAdmin()) {
            if (orgId == null) {
                throw OAuthException.validation("organization_id is required unless you are an admin");
            }
            orgs.requireAdministrator(caller, orgId);
        }
        if (status != null && !List.of(Connection.ACTIVE, Connection.NEEDS_REAUTH, Connection.SUSPENDED, Connection.REVOKED)
                .contains(status)) {
            throw OAuthException.validation("status must be active, needs_reauth, suspended or revoked");
        }
        List<UUID> visible = caller.isPlatformAdmin() ? null : List.of(orgId);
        return Page.of(database.withHandle(handle -> vault.list(handle, visible, orgId, platform, status, page)),
                page.limit(), Connection::id);
    }

    /** One live connection, for its organization's administrators (and platform admins). */
    public Connection get(Caller caller, UUID connectionId) {
        requireManager(caller);
        Connection connection = database.withHandle(handle -> vault.findConnection(handle, connectionId))
                .filter(c -> !Connection.REVOKED.equals(c.status()))
                .orElseThrow(() -> OAuthException.notFound("no such connection"));
        orgs.requireAdministrator(caller, connection.organizationId());
        return connection;
    }

    /** How a person names the platform: its definition's display name. */
    public String label(String platform, String kind) {
        return platforms.label(platform, kind);
    }

    /**
     * Revokes at the provider (best effort, and only when no other live connection uses the same
     * grant or installation), marks the connection revoked and destroys its token material.
     */
    public void disconnect(Caller caller, UUID connectionId) {
        Connection connection = get(caller, connectionId);
        boolean shared = database.withHandle(handle -> vault.credentialShared(handle, connectionId));
        if (!shared && connection.credentialId() != null) {
            revokeAtProvider(connection);
        }
        database.inTransaction(handle -> {
            vault.revoke(handle, connectionId, clock.instant());
            if (connection.credentialId() != null && !vault.credentialInUse(handle, connection.credentialId())) {
                vault.deleteCredential(handle, connection.credentialId());
            }
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("connection.revoked")
                    .organization(connection.organizationId()).details(connection.auditDetails()));
            events.changed(handle, "connection.revoked", vault.findConnection(handle, connectionId).orElse(connection), null);
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

    /** {@code GET /oauth/status}: for platform admins and internal services reading the vault. */
    public Map<String, Object> status(Caller caller, Instant lastRefresherRun) {
        if (!caller.isPlatformAdmin() && !caller.isServiceWith(TokenLookup.READ_SCOPE)) {
            throw OAuthException.forbidden("the vault's status is for admins and internal services");
        }
        Instant now = clock.instant();
        Map<String, Map<String, Object>> byPlatform = new LinkedHashMap<>();
        for (String name : platforms.names()) {
            // GitHub, Jira and Slack always appear; other providers once configured or holding connections.
            if (platforms.isConfigured(name) || !platforms.definition(name).isGeneric()) {
                byPlatform.put(name, emptyStatus(platforms.isConfigured(name)));
            }
        }
        database.withHandle(handle -> {
            for (Object[] row : vault.counts(handle, now)) {
                addConnectionCount(byPlatform.computeIfAbsent((String) row[0], name -> emptyStatus(false)),
                        (String) row[1], (Long) row[2], (Long) row[3]);
            }
            vault.lastChecks(handle).forEach((platform, at) -> {
                var entry = byPlatform.get(platform);
                if (entry != null) {
                    entry.put("last_checked_at", Json.instant(at));
                }
            });
            countLastDay(handle, "connection.check_failed", now, byPlatform, "check_failures_24h");
            countLastDay(handle, "connection.refresh_failed", now, byPlatform, "refresh_failures_24h");
            return null;
        });
        Map<String, Object> refresher = new LinkedHashMap<>();
        refresher.put("last_run_at", lastRefresherRun == null ? null : Json.instant(lastRefresherRun));
        return Map.of("platforms", byPlatform, "refresher", refresher);
    }

    /** Puts the audit entries of {@code action} in the last 24 hours, per platform, under {@code key}. */
    private static void countLastDay(Handle handle, String action, Instant now, Map<String, Map<String, Object>> byPlatform,
                                     String key) {
        handle.createQuery("""
                        SELECT details->>'platform' AS platform, count(*) AS n FROM audit_logs
                        WHERE action = :action AND at > :since GROUP BY 1""")
                .bind("action", action)
                .bind("since", now.minus(Duration.ofHours(24)))
                .map((rs, ctx) -> new Object[] {rs.getString("platform"), rs.getLong("n")})
                .forEach(row -> {
                    var entry = byPlatform.get((String) row[0]);
                    if (entry != null) {
                        entry.put(key, row[1]);
                    }
                });
    }

    /** A platform's entry before counting: every status at zero. */
    private static Map<String, Object> emptyStatus(boolean configured) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("configured", configured);
        Map<String, Object> counts = new LinkedHashMap<>();
        for (String status : List.of(Connection.ACTIVE, Connection.NEEDS_REAUTH, Connection.SUSPENDED, Connection.REVOKED)) {
            counts.put(status, 0L);
        }
        entry.put("connections", counts);
        entry.put("expiring_within_1h", 0L);
        entry.put("refresh_failures_24h", 0L);
        entry.put("last_checked_at", null);
        entry.put("check_failures_24h", 0L);
        return entry;
    }

    @SuppressWarnings("unchecked")
    private static void addConnectionCount(Map<String, Object> entry, String status, long count, long expiring) {
        if (entry == null) {
            return; // a platform no longer known to this version
        }
        ((Map<String, Object>) entry.get("connections")).put(status, count);
        entry.put("expiring_within_1h", (Long) entry.get("expiring_within_1h") + expiring);
    }

    private static void requireManager(Caller caller) {
        if (!caller.mayManage()) {
            throw OAuthException.insufficientScope(Caller.ADMIN_SCOPE);
        }
    }
}
