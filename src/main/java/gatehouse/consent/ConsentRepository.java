package gatehouse.consent;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Consents; at most one active per (user, app, organization, actor). */
public final class ConsentRepository {
    private static final RowMapper<Consent> MAPPER = ConstructorMapper.of(Consent.class);
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

    /**
     * Records the consent: a new row, or the active one's scopes widened to include {@code scopes}.
     * Returns the consent as stored.
     */
    public Consent upsert(Handle handle, Consent consent) {
        return handle.createQuery("""
                        INSERT INTO consents (id, user_id, client_id, organization_id, actor, scopes, created_at, updated_at)
                        VALUES (:id, :userId, :clientId, :organizationId, :actor, :scopes, :createdAt, :updatedAt)
                        ON CONFLICT (user_id, client_id, coalesce(organization_id, '00000000-0000-0000-0000-000000000000'::uuid), actor)
                            WHERE revoked_at IS NULL
                        DO UPDATE SET scopes = ARRAY(SELECT DISTINCT unnest(consents.scopes || EXCLUDED.scopes) ORDER BY 1),
                                      updated_at = EXCLUDED.updated_at
                        RETURNING\s""" + COLUMNS)
                .bindMethods(consent)
                .bind("scopes", consent.scopes().toArray(String[]::new))
                .map(MAPPER)
                .one();
    }

}
