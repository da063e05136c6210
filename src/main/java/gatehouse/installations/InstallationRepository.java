package gatehouse.installations;

import gatehouse.clients.VaultAccess;
import gatehouse.clients.VaultAccessJson;
import gatehouse.store.Ids;
import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Installations: at most one active per (app, organization), kept after disconnection. */
public final class InstallationRepository {
    private static final RowMapper<Installation> MAPPER = (rs, ctx) -> new Installation(Rows.uuid(rs, "id"),
            rs.getString("client_id"), rs.getString("client_name"), Rows.uuid(rs, "organization_id"),
            Rows.uuid(rs, "installed_by"), Rows.texts(rs, "scopes"), VaultAccessJson.read(rs.getString("vault_access")),
            Rows.instant(rs, "created_at"),
            Rows.instant(rs, "updated_at"), Rows.instant(rs, "revoked_at"));
    private static final String COLUMNS = """
            i.id, i.client_id, c.name AS client_name, i.organization_id, i.installed_by, i.scopes, i.vault_access, i.created_at,
            i.updated_at, i.revoked_at""";

    /** The outcome of {@link #install}: the installation, and whether it is new. */
    public record Installed(Installation installation, boolean created) {
    }

    /**
     * Installs the app, or widens the active installation's scopes to include {@code scopes}: one
     * statement, so two admins approving at once end with one installation. {@code vaultAccess}
     * replaces the vault access granted (null: keeps it; a new installation has none).
     */
    public Installed install(Handle handle, String clientId, UUID orgId, UUID userId, Collection<String> scopes,
                             List<VaultAccess> vaultAccess, Instant now) {
        return handle.createQuery("""
                        WITH upserted AS (
                            INSERT INTO installations AS i (id, client_id, organization_id, installed_by, scopes,
                                                            vault_access, created_at, updated_at)
                            VALUES (:id, :clientId, :orgId, :userId, :scopes, COALESCE(:vaultAccess, '[]'), :now, :now)
                            ON CONFLICT (client_id, organization_id) WHERE revoked_at IS NULL DO UPDATE
                            SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(i.scopes || EXCLUDED.scopes) s ORDER BY s),
                                vault_access = COALESCE(:vaultAccess, i.vault_access),
                                updated_at = CASE WHEN EXCLUDED.scopes <@ i.scopes THEN i.updated_at ELSE EXCLUDED.updated_at END
                            RETURNING i.*, (xmax = 0) AS created)
                        SELECT""" + " " + COLUMNS + ", i.created FROM upserted i JOIN clients c USING (client_id)")
                .bind("id", Ids.newId())
                .bind("clientId", clientId)
                .bind("orgId", orgId)
                .bind("userId", userId)
                .bind("scopes", scopes.toArray(String[]::new))
                .bind("vaultAccess", vaultAccess == null ? null : VaultAccessJson.write(vaultAccess))
                .bind("now", now)
                .map((rs, ctx) -> new Installed(MAPPER.map(rs, ctx), rs.getBoolean("created")))
                .one();
    }

    public Optional<Installation> findActiveById(Handle handle, UUID orgId, UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM installations i JOIN clients c USING (client_id)
                        WHERE i.id = :id AND i.organization_id = :orgId AND i.revoked_at IS NULL""")
                .bind("id", id)
                .bind("orgId", orgId)
                .map(MAPPER)
                .findOne();
    }

    public Optional<Installation> findActive(Handle handle, String clientId, UUID orgId) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM installations i JOIN clients c USING (client_id)
                        WHERE i.client_id = :clientId AND i.organization_id = :orgId AND i.revoked_at IS NULL""")
                .bind("clientId", clientId)
                .bind("orgId", orgId)
                .map(MAPPER)
                .findOne();
    }

    /**
     * The active installation, share-locked until the transaction ends: a token issued under it
     * commits before a disconnect can revoke the installation (and then its tokens), never after.
     */
    public Optional<Installation> holdActive(Handle handle, String clientId, UUID orgId) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM installations i JOIN clients c USING (client_id)
                        WHERE i.client_id = :clientId AND i.organization_id = :orgId AND i.revoked_at IS NULL
                        FOR SHARE OF i""")
                .bind("clientId", clientId)
                .bind("orgId", orgId)
                .map(MAPPER)
                .findOne();
    }

    /** The organization's active installations, a page at a time. */
    public List<Installation> listActive(Handle handle, UUID orgId, PageRequest page) {
        return listActiveWhere(handle, "i.organization_id = :key", orgId, page);
    }

    /** The app's active installations (the organizations it is installed in), a page at a time. */
    public List<Installation> listActiveForApp(Handle handle, String clientId, PageRequest page) {
        return listActiveWhere(handle, "i.client_id = :key", clientId, page);
    }

    /** {@code condition} is one of the fixed texts above, never input. */
    private List<Installation> listActiveWhere(Handle handle, String condition, Object key, PageRequest page) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM installations i JOIN clients c USING (client_id) WHERE "
                        + condition + " AND i.revoked_at IS NULL AND i.id > :after ORDER BY i.id LIMIT :limit")
                .bind("key", key)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    /** Marks the organization's active installation revoked; empty when there is no such one. */
    public Optional<Installation> revoke(Handle handle, UUID orgId, UUID id, UUID revokedBy, Instant now) {
        return handle.createQuery("""
                        WITH revoked AS (
                            UPDATE installations SET revoked_at = :now, revoked_by = :revokedBy
                            WHERE id = :id AND organization_id = :orgId AND revoked_at IS NULL RETURNING *)
                        SELECT""" + " " + COLUMNS + " FROM revoked i JOIN clients c USING (client_id)")
                .bind("id", id)
                .bind("orgId", orgId)
                .bind("revokedBy", revokedBy)
                .bind("now", now)
                .map(MAPPER)
                .findOne();
    }
}
