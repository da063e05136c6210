package gatehouse.console;

import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.consent.Consent;
import gatehouse.orgs.OrgService;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Turns the IDs the services answer with into the names a person reads (an app's, an organization's). */
public final class Names {
    private final ClientService clients;
    private final OrgService orgs;

    public Names(ClientService clients, OrgService orgs) {
        this.clients = clients;
        this.orgs = orgs;
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

    /** The app's name, or its client ID when it is gone. */
    public String app(String clientId) {
        return clientId == null ? "" : clients.findOptional(clientId).map(Client::name).orElse(clientId);
    }

    /** The organization's name, "—" for none, or its ID when it is gone. */
    public String org(UUID orgId) {
        return orgId == null ? "—" : orgs.findName(orgId).orElse(orgId.toString());
    }
}
