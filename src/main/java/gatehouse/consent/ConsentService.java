package gatehouse.consent;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.auth.ActorMode;
import gatehouse.auth.Caller;
import gatehouse.auth.ServiceScopes;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.TokenService;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Remembers what users approved, so the consent page is shown only for something new, and keeps
 * the history of every grant, widening and revocation. Revoking a consent revokes the tokens the
 * app holds for that user under it.
 */
public final class ConsentService {
    private final Database database;
    private final ConsentRepository consents;
    private final ClientService clients;
    private final OrgService orgs;
    private final TokenService tokens;
    private final AuditLog audit;
    private final Clock clock;

    public ConsentService(Database database, ConsentRepository consents, ClientService clients, OrgService orgs,
                          TokenService tokens, AuditLog audit, Clock clock) {
        this.database = database;
        this.consents = consents;
        this.clients = clients;
        this.orgs = orgs;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * An active consent of the user for the app and actor that covers {@code scopes}, in
     * {@code organizationId} when given, else in any of {@code eligibleOrgs} (null stands for "no
     * organization"). The most recently updated wins.
     */
    public Optional<Consent> findCovering(UUID userId, String clientId, String actor, UUID organizationId,
                                          Collection<UUID> eligibleOrgs, Collection<String> scopes) {
        List<Consent> active = database.withHandle(handle -> consents.findActive(handle, userId, clientId, actor));
        return active.stream()
                .filter(c -> organizationId != null
                        ? organizationId.equals(c.organizationId())
                        : eligibleOrgs.contains(c.organizationId()))
                .filter(c -> c.covers(scopes))
                .findFirst();
    }

    /**
     * Records a consent in the caller's transaction: a new one ({@code granted}), or the active one
     * widened to include {@code scopes} ({@code updated}; nothing is recorded when it already did).
     */
    public Consent grant(Handle handle, UUID userId, String clientId, UUID organizationId, String actor,
                         Collection<String> scopes) {
        Consent consent = recordGrant(handle, userId, clientId, organizationId, actor, scopes);
        audit.record(handle, Actor.user(userId, null), AuditLog.Event.of("consent.granted").client(clientId)
                .organization(organizationId).details(Map.of("consent_id", consent.id().toString(), "actor", actor,
                        "scopes", consent.scopes())));
        return consent;
    }

    private Consent recordGrant(Handle handle, UUID userId, String clientId, UUID organizationId, String actor,
                                Collection<String> scopes) {
        Instant now = clock.instant();
        Optional<Consent> active = consents.lockActive(handle, userId, clientId, organizationId, actor);
        if (active.isEmpty()) {
            var consent = new Consent(Ids.newId(), userId, clientId, organizationId, actor, List.copyOf(scopes), now, now,
                    null);
            consents.insert(handle, consent);
            record(handle, consent, "granted", consent.scopes(), now);
            return consent;
        }
        Consent current = active.get();
        Set<String> widened = new LinkedHashSet<>(current.scopes());
        widened.addAll(scopes);
        if (widened.size() == current.scopes().size()) {
            return current;
        }
        List<String> updatedScopes = new ArrayList<>(widened);
        consents.updateScopes(handle, current.id(), updatedScopes, now);
        record(handle, current, "updated", updatedScopes, now);
        return new Consent(current.id(), userId, clientId, organizationId, actor, updatedScopes, current.createdAt(), now,
                null);
    }

    /**
     * POST /api/v1/oauth/consents: the caller consents to an app for themselves (actor
     * {@code self}, or {@code app} in an organization they administer), with scopes the app may use.
     */
    public Consent create(Caller caller, String clientId, List<String> scopes, UUID organizationId, String actor) {
        UUID userId = requireUser(caller);
        if (clientId == null) {
            throw OAuthException.validation("client_id is required");
        }
        Client client = clients.findOptional(clientId)
                .orElseThrow(() -> OAuthException.validation("client_id is not a registered app"));
        String chosenActor = actor == null ? ActorMode.SELF.value() : actor;
        if (!client.actorModes().contains(chosenActor)) {
            throw OAuthException.validation("this app does not act as " + chosenActor);
        }
        List<String> wanted = scopes == null ? List.of() : List.copyOf(new LinkedHashSet<>(scopes));
        List<String> service = ServiceScopes.among(wanted);
        if (!service.isEmpty()) {
            throw OAuthException.validation("scope " + service.getFirst()
                    + " is a service scope: a user cannot delegate it to an app");
        }
        for (String scope : wanted) {
            if (!client.allowedScopes().contains(scope)) {
                throw OAuthException.validation("scope " + scope + " is not allowed for this app");
            }
        }
        if (organizationId != null && orgs.eligibleFor(userId, chosenActor).stream()
                .noneMatch(org -> org.id().equals(organizationId))) {
            throw OAuthException.forbidden("you cannot consent for that organization");
        }
        if (organizationId == null && ActorMode.APP.is(chosenActor)) {
            throw OAuthException.validation("organization_id is required for actor app");
        }
        return database.inTransaction(handle -> grant(handle, userId, clientId, organizationId, chosenActor, wanted));
    }

    public Page<Consent> list(Caller caller, PageRequest page) {
        UUID userId = requireUser(caller);
        return Page.of(database.withHandle(handle -> consents.listActive(handle, userId, page)), page.limit(), Consent::id);
    }

    public Page<ConsentEvent> history(Caller caller, PageRequest page) {
        UUID userId = requireUser(caller);
        return Page.of(database.withHandle(handle -> consents.history(handle, userId, page)), page.limit(),
                ConsentEvent::id);
    }

    /** Revokes the caller's consent and, in the same transaction, the app's tokens issued under it. */
    public void revoke(Caller caller, UUID consentId) {
        UUID userId = requireUser(caller);
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            Consent consent = consents.revoke(handle, userId, consentId, now)
                    .orElseThrow(() -> OAuthException.notFound("no such consent"));
            record(handle, consent, "revoked", consent.scopes(), now);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of("consent.revoked").client(consent.clientId())
                    .organization(consent.organizationId()).details(Map.of("consent_id", consent.id().toString(),
                            "actor", consent.actor())));
            tokens.revokeUnderConsent(handle, userId, consent.clientId(), consent.organizationId(), consent.actor());
            return null;
        });
    }

    /**
     * Revokes, in the caller's transaction, every consent given to the app in the organization
     * (its installation there was disconnected), each with a "revoked" history event.
     */
    public void revokeAllForApp(Handle handle, String clientId, UUID organizationId) {
        Instant now = clock.instant();
        for (Consent consent : consents.revokeAllForApp(handle, clientId, organizationId, now)) {
            record(handle, consent, "revoked", consent.scopes(), now);
        }
    }

    private void record(Handle handle, Consent consent, String event, List<String> scopes, Instant now) {
        consents.insertEvent(handle, new ConsentEvent(Ids.newId(), consent.id(), consent.clientId(),
                consent.organizationId(), consent.actor(), event, scopes, now), consent.userId());
    }

    private static UUID requireUser(Caller caller) {
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app acting as itself has no consents");
        }
        return caller.userId();
    }
}
