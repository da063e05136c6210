package gatehouse.audit;


import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.store.StoredJson;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Records what happened, in the transaction of the change itself: a failed change leaves no entry
 * and a committed one always has its entry. Details must never carry secrets.
 */
public final class AuditLog {
    private final Database database;
    private final AuditRepository entries;
    private final Clock clock;

    public AuditLog(Database database, AuditRepository entries, Clock clock) {
        this.database = database;
        this.entries = entries;
        this.clock = clock;
    }

    /** What one entry says beyond who and where. */
    public record Event(String action, String clientId, UUID organizationId, Map<String, Object> details) {
        public static Event of(String action) {
            return new Event(action, null, null, Map.of());
        }

        public Event client(String id) {
            return new Event(action, id, organizationId, details);
        }

        public Event organization(UUID id) {
            return new Event(action, clientId, id, details);
        }

        public Event details(Map<String, Object> more) {
            return new Event(action, clientId, organizationId, more);
        }
    }

    /** Appends a successful {@code event} by {@code actor} in the caller's transaction. */
    public void record(Handle handle, Actor actor, Event event) {
        insert(handle, actor, event, "success");
    }

    /** Appends a refused or failed {@code event}, in a transaction of its own. */
    public void recordFailure(Actor actor, Event event) {
        database.withHandle(handle -> {
            insert(handle, actor, event, "failure");
            return null;
        });
    }

    private void insert(Handle handle, Actor actor, Event event, String outcome) {
        RequestOrigin.Origin origin = RequestOrigin.current();
        entries.insert(handle, Ids.newId(), clock.instant(), event.action(), actor.type(), actor.id(),
                event.clientId() != null ? event.clientId() : actor.clientId(), event.organizationId(), origin.ip(),
                origin.userAgent(), outcome, StoredJson.write(event.details()));
    }

    /** Which entries a query asks for; null members match all. */
    /**
     * A time filter of the audit log: RFC 3339 ({@code 2026-01-31T12:00:00Z}, any offset), or a
     * local date and time such as a browser's {@code datetime-local} ({@code 2026-01-31T12:00}),
     * read as UTC. Years outside 1970..9999 are refused: nothing was audited then, and PostgreSQL
     * could not compare them.
     */
    public static Instant parseTime(String name, String value) {
        if (value == null) {
            return null;
        }
        Instant at;
        try {
            at = value.length() > 19 && (value.endsWith("Z") || value.endsWith("z") || value.matches(".*[+-]\\d\\d:\\d\\d$"))
                    ? OffsetDateTime.parse(value.toUpperCase(Locale.ROOT)).toInstant()
                    : LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw OAuthException.validation(name + " must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z");
        }
        int year = at.atZone(ZoneOffset.UTC).getYear();
        if (year < 1970 || year > 9999) {
            throw OAuthException.validation(name + " must be a time between the years 1970 and 9999");
        }
        return at;
    }

    public record Query(String action, String actorId, String clientId, UUID organizationId, Instant since,
                        Instant until) {
    }

    /** One page of entries, restricted to {@code organizations} when not null (an organization admin). */
    public Page<AuditEntry> find(Query query, List<UUID> organizations, PageRequest page) {
        return Page.of(database.withHandle(handle -> entries.find(handle, query, organizations, page)), page.limit(),
                AuditEntry::id);
    }
}
