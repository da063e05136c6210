package gatehouse.consent;

import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Consents, at most one active per (user, app, organization, actor), and their history. */
public final class ConsentRepository {
    private static final RowMapper<Consent> MAPPER = (rs, ctx) -> new Consent(Rows.uuid(rs, "id"),
            Rows.uuid(rs, "user_id"), rs.getString("client_id"), Rows.uuid(rs, "organization_id"), rs.getString("actor"),
            Rows.texts(rs, "scopes"), Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"),
            Rows.instant(rs, "revoked_at"));
    private static final RowMapper<ConsentEvent> EVENT = (rs, ctx) -> new ConsentEvent(Rows.uuid(rs, "id"),
            Rows.uuid(rs, "consent_id"), rs.getString("client_id"), Rows.uuid(rs, "organization_id"),
            rs.getString("actor"), rs.getString("event"), Rows.texts(rs, "scopes"), Rows.instant(rs, "at"));
    private static final String COLUMNS =
            "id, user_id, client_id, organization_id, actor, scopes, created_at, updated_at, revoked_at";

    /** The user's active consents for the app and actor, newest first. */
    public List<Consent> findActive(Handle handle, UUID userId, String clientId, String actor) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM consents WHERE user_id = :userId AND client_id = :clientId AND actor = :actor
                        AND revoked_at IS NULL ORDER BY updated_at DESC""")
                .bind("userId", userId)
                .bind("clientId", clientId)
                .bind("actor", actor)
                .map(MAPPER)
                .list();
    }

    /** The active consent for exactly this (user, app, organization, actor), row-locked; empty if none. */
    public Optional<Consent> lockActive(Handle handle, UUID userId, String clientId, UUID organizationId, String actor) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM consents WHERE user_id = :userId AND client_id = :clientId AND actor = :actor
                        AND organization_id IS NOT DISTINCT FROM :orgId AND revoked_at IS NULL FOR UPDATE""")
                .bind("userId", userId)
                .bind("clientId", clientId)
                .bind("orgId", organizationId)
                .bind("actor", actor)
                .map(MAPPER)
                .findOne();
    }

    public void insert(Handle handle, Consent consent) {
        handle.createUpdate("""
                        INSERT INTO consents (id, user_id, client_id, organization_id, actor, scopes, created_at, updated_at)
                        VALUES (:id, :userId, :clientId, :organizationId, :actor, :scopes, :createdAt, :updatedAt)""")
                .bindMethods(consent)
                .bind("scopes", consent.scopes().toArray(String[]::new))
                .execute();
    }

    public void updateScopes(Handle handle, UUID id, List<String> scopes, Instant now) {
        handle.createUpdate("UPDATE consents SET scopes = :scopes, updated_at = :now WHERE id = :id")
                .bind("id", id)
                .bind("scopes", scopes.toArray(String[]::new))
                .bind("now", now)
                .execute();
    }

    /** Revokes the user's active consent; empty when it is not theirs or not active. */
    public Optional<Consent> revoke(Handle handle, UUID userId, UUID id, Instant now) {
        return handle.createQuery("UPDATE consents SET revoked_at = :now"
                        + " WHERE id = :id AND user_id = :userId AND revoked_at IS NULL RETURNING " + COLUMNS)
                .bind("id", id)
                .bind("userId", userId)
                .bind("now", now)
                .map(MAPPER)
                .findOne();
    }

    /** Revokes every active consent given to the app in the organization; returns them. */
    public List<Consent> revokeAllForApp(Handle handle, String clientId, UUID orgId, Instant now) {
        return handle.createQuery("UPDATE consents SET revoked_at = :now"
                        + " WHERE client_id = :clientId AND organization_id = :orgId AND revoked_at IS NULL RETURNING "
                        + COLUMNS)
                .bind("clientId", clientId)
                .bind("orgId", orgId)
                .bind("now", now)
                .map(MAPPER)
                .list();
    }

    public List<Consent> listActive(Handle handle, UUID userId, PageRequest page) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM consents WHERE user_id = :userId AND revoked_at IS NULL AND id > :after
                        ORDER BY id LIMIT :limit""")
                .bind("userId", userId)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    public void insertEvent(Handle handle, ConsentEvent event, UUID userId) {
        handle.createUpdate("""
                        INSERT INTO consent_events (id, consent_id, user_id, client_id, organization_id, actor, event, scopes, at)
                        VALUES (:id, :consentId, :userId, :clientId, :organizationId, :actor, :event, :scopes, :at)""")
                .bindMethods(event)
                .bind("userId", userId)
                .bind("scopes", event.scopes().toArray(String[]::new))
                .execute();
    }

    public List<ConsentEvent> history(Handle handle, UUID userId, PageRequest page) {
        return handle.createQuery("""
                        SELECT id, consent_id, client_id, organization_id, actor, event, scopes, at FROM consent_events
                        WHERE user_id = :userId AND id > :after ORDER BY id LIMIT :limit""")
                .bind("userId", userId)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(EVENT)
                .list();
    }
}
