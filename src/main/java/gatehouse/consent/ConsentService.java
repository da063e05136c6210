package gatehouse.consent;

import gatehouse.store.Database;
import gatehouse.store.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Remembers what users approved, so the consent page is shown only for something new. */
public final class ConsentService {
    private final Database database;
    private final ConsentRepository consents;
    private final Clock clock;

    public ConsentService(Database database, ConsentRepository consents, Clock clock) {
        this.database = database;
        this.consents = consents;
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

    /** Records a consent in the caller's transaction (widening an existing one). */
    public Consent grant(Handle handle, UUID userId, String clientId, UUID organizationId, String actor,
                         Collection<String> scopes) {
        Instant now = clock.instant();
        return consents.upsert(handle, new Consent(Ids.newId(), userId, clientId, organizationId, actor,
                List.copyOf(scopes), now, now, null));
    }
}
