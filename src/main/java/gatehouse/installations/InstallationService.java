package gatehouse.installations;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.clients.ClientService;
import gatehouse.clients.VaultAccess;
import gatehouse.consent.ConsentService;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.TokenService;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Apps installed in organizations (docs/http.md, "The OAuth flows" and "The management API"). An
 * owner or admin installs an app by approving it
 * with actor {@code app}; the app then gets tokens that act inside that organization. Disconnecting
 * ends everything the app holds there in one transaction: its tokens (both actors), the consents
 * given to it there (so a new installation needs a new approval), and the installation itself.
 */
public final class InstallationService {
    private final Database database;
    private final InstallationRepository installations;
    private final OrgService orgs;
    private final ClientService clients;
    private final ConsentService consents;
    private final TokenService tokens;
    private final AuditLog audit;
    private final InstallationEvents events;
    private final Clock clock;

    /** Told of installations made and ended, in their transaction (to send webhooks). */
    public interface InstallationEvents {
        InstallationEvents NONE = new InstallationEvents() {
            @Override
            public void created(Handle handle, Installation installation) {
            }

            @Override
            public void revoked(Handle handle, Installation installation) {
            }
        };

        void created(Handle handle, Installation installation);

        void revoked(Handle handle, Installation installation);
    }

    public InstallationService(Database database, InstallationRepository installations, OrgService orgs,
                               ClientService clients, ConsentService consents, TokenService tokens, AuditLog audit,
                               InstallationEvents events, Clock clock) {
        this.database = database;
        this.installations = installations;
        this.orgs = orgs;
        this.clients = clients;
        this.consents = consents;
        this.tokens = tokens;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Installs the app in the organization, or widens the installation's scopes, in the caller's
     * transaction. The caller has checked that the user administers the organization.
     */
    public Installation install(Handle handle, UUID userId, String clientId, UUID orgId, Collection<String> scopes,
                                List<VaultAccess> vaultAccess) {
        var installed = installations.install(handle, clientId, orgId, userId, scopes, vaultAccess, clock.instant());
        Installation installation = installed.installation();
        if (vaultAccess != null && !vaultAccess.isEmpty()) {
            audit.record(handle, Actor.user(userId, null), AuditLog.Event.of("installation.vault_access_granted")
                    .client(clientId).organization(orgId).details(Map.of("installation_id", installation.id().toString(),
                            "vault_access", vaultAccess)));
        }
        if (installed.created()) {
            audit.record(handle, Actor.user(userId, null), AuditLog.Event.of("installation.created")
                    .client(clientId).organization(orgId).details(Map.of("installation_id", installation.id().toString(),
                            "scopes", installation.scopes())));
            events.created(handle, installation);
        }
        return installation;
    }

    /** The app's active installation in the organization, if any. */
    public Optional<Installation> findActive(String clientId, UUID orgId) {
        return database.withHandle(handle -> installations.findActive(handle, clientId, orgId));
    }

    /** The active installation, share-locked in the caller's transaction (see the repository). */
    public Optional<Installation> holdActive(Handle handle, String clientId, UUID orgId) {
        return installations.holdActive(handle, clientId, orgId);
    }

    /** The apps installed in the organization; for its owners and admins, and platform admins. */
    public Page<Installation> list(Caller caller, UUID orgId, PageRequest page) {
        orgs.requireAdministrator(caller, orgId);
        return Page.of(database.withHandle(handle -> installations.listActive(handle, orgId, page)), page.limit(),
                Installation::id);
    }

    /** One of the organization's installed apps; for its owners and admins, and platform admins. */
    public Installation get(Caller caller, UUID orgId, UUID installationId) {
        orgs.requireAdministrator(caller, orgId);
        return database.withHandle(handle -> installations.findActiveById(handle, orgId, installationId))
                .orElseThrow(() -> OAuthException.notFound("no such installation"));
    }

    /**
     * The organizations where the app is installed, for those who may see the app (the members of
     * its organization, and platform admins).
     */
    public Page<Installation> listForApp(Caller caller, String clientId, PageRequest page) {
        clients.get(caller, clientId);
        return Page.of(database.withHandle(handle -> installations.listActiveForApp(handle, clientId, page)),
                page.limit(), Installation::id);
    }

    /** Disconnects the app from the organization: see the class comment. */
    public void disconnect(Caller caller, UUID orgId, UUID installationId) {
        orgs.requireAdministrator(caller, orgId);
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            Installation installation = installations.revoke(handle, orgId, installationId, caller.userId(), now)
                    .orElseThrow(() -> OAuthException.notFound("no such installation"));
            tokens.revokeAppInOrganization(handle, installation.clientId(), orgId);
            consents.revokeAllForApp(handle, installation.clientId(), orgId);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("installation.revoked")
                    .client(installation.clientId()).organization(orgId)
                    .details(Map.of("installation_id", installation.id().toString())));
            events.revoked(handle, installation);
            return null;
        });
    }
}
