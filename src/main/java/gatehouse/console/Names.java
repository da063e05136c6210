package gatehouse.console;

import gatehouse.audit.AuditEntry;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.consent.Consent;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.users.UserService;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Turns the IDs the services answer with into the names a person reads (an app's, an organization's). */
public final class Names {
    private final ClientService clients;
    private final OrgService orgs;
    private final UserService users;

    public Names(ClientService clients, OrgService orgs, UserService users) {
        this.clients = clients;
        this.orgs = orgs;
        this.users = users;
    }

    /** One app a person authorized: the consent, with names. */
    public record Authorized(UUID consentId, String appName, String clientId, String organizationName, String actor,
                             List<String> scopes, Instant since) {
    }

    public List<Authorized> authorized(List<Consent> consents) {
        return consents.stream()
                .map(c -> new Authorized(c.id(), app(c.clientId()), c.clientId(), org(c.organizationId()), c.actor(),
                        c.scopes(), c.createdAt()))
                .toList();
    }

    public List<AuditView.Row> auditRows(List<AuditEntry> entries) {
        return entries.stream()
                .map(e -> new AuditView.Row(e, e.clientId() == null ? "" : app(e.clientId()),
                        e.organizationId() == null ? "" : org(e.organizationId())))
                .toList();
    }

    /** The app's name, or its client ID when it is gone. */
    public String app(String clientId) {
        return clientId == null ? "" : clients.findOptional(clientId).map(Client::name).orElse(clientId);
    }

    /** The organization that publishes the app, or null when the app is gone. */
    public UUID ownerOf(String clientId) {
        return clients.findOptional(clientId).map(Client::ownerOrgId).orElse(null);
    }

    /** The user's email address, or "—" when unknown or gone. */
    public String user(UUID userId) {
        if (userId == null) {
            return "—";
        }
        try {
            return users.get(userId).username();
        } catch (OAuthException e) {
            return "—";
        }
    }

    /** The organization's name, "—" for none, or its ID when it is gone. */
    public String org(UUID orgId) {
        return orgId == null ? "—" : orgs.findName(orgId).orElse(orgId.toString());
    }
}
