package gatehouse.vault;

import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Connections, their (encrypted) credentials, and connect flows in progress. */
public final class VaultRepository {
    private static final RowMapper<Connection> CONNECTION = (rs, ctx) -> new Connection(Rows.uuid(rs, "id"),
            rs.getString("platform"), rs.getString("kind"), Rows.uuid(rs, "organization_id"), rs.getString("external_id"),
            rs.getString("external_name"), Rows.texts(rs, "scopes"), rs.getString("status"), Rows.instant(rs, "created_at"),
            Rows.instant(rs, "updated_at"), Rows.instant(rs, "expires_at"), Rows.instant(rs, "last_refreshed_at"),
            rs.getString("last_error"), Rows.uuid(rs, "credential_id"));
    private static final String CONNECTION_COLUMNS = """
            c.id, c.platform, c.kind, c.organization_id, c.external_id, c.external_name, c.scopes, c.status,
            c.created_at, c.updated_at, v.expires_at, v.last_refreshed_at, c.last_error, c.credential_id""";
    private static final String FROM = " FROM connections c LEFT JOIN vault_credentials v ON v.id = c.credential_id";

    /** A stored credential: its sealed material and facts. */
    public record StoredCredential(UUID id, String platform, String kind, String material, Instant expiresAt,
                                   boolean refreshable, int refreshFailures) {
    }

    private static final RowMapper<StoredCredential> CREDENTIAL = (rs, ctx) -> new StoredCredential(Rows.uuid(rs, "id"),
            rs.getString("platform"), rs.getString("kind"), rs.getString("material"), Rows.instant(rs, "expires_at"),
            rs.getBoolean("refreshable"), rs.getInt("refresh_failures"));

    /** A connect flow in progress. */
    public record ConnectState(String platform, String kind, UUID organizationId, UUID userId, String codeVerifier,
                               String returnTo, Instant expiresAt) {
    }

    public void insertState(Handle handle, byte[] stateHash, ConnectState state, Instant now) {
        handle.createUpdate("""
                        INSERT INTO connect_states (state_hash, platform, kind, organization_id, user_id, code_verifier,
                                                    return_to, created_at, expires_at)
                        VALUES (:hash, :platform, :kind, :organizationId, :userId, :codeVerifier, :returnTo, :now, :expiresAt)""")
                .bind("hash", stateHash).bindMethods(state).bind("now", now).execute();
    }

    /** Uses the state up (whatever comes next, it cannot be replayed); empty when unknown or used. */
    public Optional<ConnectState> consumeState(Handle handle, byte[] stateHash, String platform) {
        return handle.createQuery("""
                        DELETE FROM connect_states WHERE state_hash = :hash AND platform = :platform
                        RETURNING platform, kind, organization_id, user_id, code_verifier, return_to, expires_at""")
                .bind("hash", stateHash).bind("platform", platform)
                .map((rs, ctx) -> new ConnectState(rs.getString("platform"), rs.getString("kind"),
                        Rows.uuid(rs, "organization_id"), Rows.uuid(rs, "user_id"), rs.getString("code_verifier"),
                        rs.getString("return_to"), Rows.instant(rs, "expires_at")))
                .findOne();
    }

    public void deleteExpiredStates(Handle handle, Instant now) {
        handle.createUpdate("DELETE FROM connect_states WHERE expires_at < :now").bind("now", now).execute();
    }

    public void insertCredential(Handle handle, UUID id, String platform, String kind, String material,
                                 Instant expiresAt, boolean refreshable, Instant now) {
        handle.createUpdate("""
                        INSERT INTO vault_credentials (id, platform, kind, material, expires_at, refreshable, created_at,
                                                       updated_at, last_refreshed_at)
                        VALUES (:id, :platform, :kind, :material, :expiresAt, :refreshable, :now, :now, :now)""")
                .bind("id", id).bind("platform", platform).bind("kind", kind).bind("material", material)
                .bind("expiresAt", expiresAt).bind("refreshable", refreshable).bind("now", now).execute();
    }

    /** The credential, row-locked until the transaction ends: refreshes of one credential run one at a time. */
    public Optional<StoredCredential> lockCredential(Handle handle, UUID id) {
        return handle.createQuery("SELECT * FROM vault_credentials WHERE id = :id FOR UPDATE")
                .bind("id", id).map(CREDENTIAL).findOne();
    }

    public Optional<StoredCredential> findCredential(Handle handle, UUID id) {
        return handle.createQuery("SELECT * FROM vault_credentials WHERE id = :id").bind("id", id).map(CREDENTIAL).findOne();
    }

    public void storeRefreshed(Handle handle, UUID id, String material, Instant expiresAt, boolean refreshable,
                               Instant now) {
        handle.createUpdate("""
                        UPDATE vault_credentials SET material = :material, expires_at = :expiresAt,
                               refreshable = :refreshable, updated_at = :now, last_refreshed_at = :now,
                               refresh_failures = 0, next_refresh_at = NULL
                        WHERE id = :id""")
                .bind("id", id).bind("material", material).bind("expiresAt", expiresAt)
                .bind("refreshable", refreshable).bind("now", now).execute();
        handle.createUpdate("""
                        UPDATE connections SET last_error = NULL, updated_at = :now
                        WHERE credential_id = :id AND status = 'active' AND last_error IS NOT NULL""")
                .bind("id", id).bind("now", now).execute();
    }

    /** A failed background refresh: try this credential again no sooner than {@code next}. */
    public void recordRefreshFailure(Handle handle, UUID id, Instant next) {
        handle.createUpdate("""
                        UPDATE vault_credentials SET refresh_failures = refresh_failures + 1, next_refresh_at = :next
                        WHERE id = :id""")
                .bind("id", id).bind("next", next).execute();
    }

    /** Every live connection of the credential needs re-authorization; returns them. */
    public List<Connection> markNeedsReauth(Handle handle, UUID credentialId, String error, Instant now) {
        handle.createUpdate("""
                        UPDATE connections SET status = 'needs_reauth', last_error = :error, updated_at = :now
                        WHERE credential_id = :id AND status = 'active'""")
                .bind("id", credentialId).bind("error", error).bind("now", now).execute();
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM + " WHERE c.credential_id = :id AND c.status = 'needs_reauth'")
                .bind("id", credentialId).map(CONNECTION).list();
    }

    /**
     * Creates the connection, or points the live one for the same (platform, organization, external
     * account) at the new credential and makes it active again (a re-authorization).
     */
    public Connection upsertConnection(Handle handle, UUID credentialId, String platform, String kind, UUID orgId,
                                       String externalId, String externalName, List<String> scopes, UUID userId,
                                       Instant now) {
        UUID id = handle.createQuery("""
                        INSERT INTO connections AS c (id, credential_id, platform, kind, organization_id, external_id,
                                                      external_name, scopes, status, created_by, created_at, updated_at)
                        VALUES (:id, :credentialId, :platform, :kind, :orgId, :externalId, :externalName, :scopes,
                                'active', :userId, :now, :now)
                        ON CONFLICT (platform, organization_id, external_id) WHERE status <> 'revoked' DO UPDATE
                        SET credential_id = EXCLUDED.credential_id, kind = EXCLUDED.kind,
                            external_name = EXCLUDED.external_name, scopes = EXCLUDED.scopes, status = 'active',
                            last_error = NULL, updated_at = EXCLUDED.updated_at
                        RETURNING c.id""")
                .bind("id", gatehouse.store.Ids.newId()).bind("credentialId", credentialId).bind("platform", platform)
                .bind("kind", kind).bind("orgId", orgId).bind("externalId", externalId)
                .bind("externalName", externalName).bind("scopes", scopes.toArray(String[]::new))
                .bind("userId", userId).bind("now", now)
                .mapTo(UUID.class).one();
        return findConnection(handle, id).orElseThrow();
    }

    public Optional<Connection> findConnection(Handle handle, UUID id) {
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM + " WHERE c.id = :id")
                .bind("id", id).map(CONNECTION).findOne();
    }

    /**
     * The connection a lookup means: by our organization, or by the external account's ID (Slack
     * workspace, Jira site). Live ones only; the most recently updated first.
     */
    public Optional<Connection> findLive(Handle handle, String platform, UUID orgId, String externalId) {
        String where = orgId != null ? "c.organization_id = :key" : "c.external_id = :key";
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM + " WHERE c.platform = :platform AND " + where
                        + " AND c.status <> 'revoked' ORDER BY (c.status = 'active') DESC, c.updated_at DESC LIMIT 1")
                .bind("platform", platform)
                .bind("key", orgId != null ? (Object) orgId : externalId)
                .map(CONNECTION).findOne();
    }

    public List<Connection> list(Handle handle, List<UUID> orgs, UUID orgId, String platform, String status,
                                 PageRequest page) {
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM + " " + """
                        WHERE (CAST(:orgs AS uuid[]) IS NULL OR c.organization_id = ANY (:orgs))
                          AND (CAST(:orgId AS uuid) IS NULL OR c.organization_id = :orgId)
                          AND (CAST(:platform AS text) IS NULL OR c.platform = :platform)
                          AND (CAST(:status AS text) IS NULL OR c.status = :status)
                          AND c.id > :after ORDER BY c.id LIMIT :limit""")
                .bind("orgs", orgs == null ? null : orgs.toArray(UUID[]::new))
                .bind("orgId", orgId).bind("platform", platform).bind("status", status)
                .bind("after", page.after()).bind("limit", page.fetchSize())
                .map(CONNECTION).list();
    }

    /** Marks the connection revoked. */
    public void revoke(Handle handle, UUID id, Instant now) {
        handle.createUpdate("UPDATE connections SET status = 'revoked', updated_at = :now WHERE id = :id")
                .bind("id", id).bind("now", now).execute();
    }

    /** Whether another live connection uses the same credential (a Jira grant reaching several sites). */
    public boolean credentialShared(Handle handle, UUID id) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM connections o JOIN connections c ON c.credential_id = o.credential_id
                                       WHERE c.id = :id AND o.id <> :id AND o.status <> 'revoked')""")
                .bind("id", id).mapTo(Boolean.class).one();
    }

    /** Destroys token material: the credential row goes, and the connection keeps only its facts. */
    public void deleteCredential(Handle handle, UUID credentialId) {
        handle.createUpdate("DELETE FROM vault_credentials WHERE id = :id").bind("id", credentialId).execute();
    }

    /** Credentials the refresher should renew: refreshable, expiring before {@code horizon}, not backing off. */
    public List<UUID> dueForRefresh(Handle handle, Instant horizon, Instant now, int limit) {
        return handle.createQuery("""
                        SELECT v.id FROM vault_credentials v
                        WHERE v.refreshable AND v.expires_at < :horizon
                          AND (v.next_refresh_at IS NULL OR v.next_refresh_at <= :now)
                          AND EXISTS (SELECT 1 FROM connections c WHERE c.credential_id = v.id AND c.status = 'active')
                        ORDER BY v.expires_at LIMIT :limit""")
                .bind("horizon", horizon).bind("now", now).bind("limit", limit)
                .mapTo(UUID.class).list();
    }

    /** Counts per platform and status, for /oauth/status. */
    public List<Object[]> counts(Handle handle, Instant now) {
        return handle.createQuery("""
                        SELECT c.platform, c.status, count(*) AS n,
                               count(*) FILTER (WHERE c.status = 'active' AND v.expires_at < :soon) AS expiring
                        FROM connections c LEFT JOIN vault_credentials v ON v.id = c.credential_id
                        GROUP BY c.platform, c.status""")
                .bind("soon", now.plusSeconds(3600))
                .map((rs, ctx) -> new Object[] {rs.getString("platform"), rs.getString("status"), rs.getLong("n"),
                        rs.getLong("expiring")})
                .list();
    }
}
