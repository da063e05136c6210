package gatehouse.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import gatehouse.store.Ids;
import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * A stored credential: its sealed material and facts, and the state of refreshes across nodes:
     * whether one holds the lease now, and the last failed attempt.
     */
    public record StoredCredential(UUID id, String platform, String kind, String material, Instant expiresAt,
                                   boolean refreshable, int refreshFailures, boolean leased, Instant refreshFailedAt,
                                   String refreshError, Instant lastRefreshedAt) {
    }

    private static final String CREDENTIAL_COLUMNS = """
            id, platform, kind, material, expires_at, refreshable, refresh_failures,
            refresh_lease_until IS NOT NULL AND refresh_lease_until > now() AS leased, refresh_failed_at, refresh_error,
            last_refreshed_at""";
    private static final RowMapper<StoredCredential> CREDENTIAL = (rs, ctx) -> new StoredCredential(Rows.uuid(rs, "id"),
            rs.getString("platform"), rs.getString("kind"), rs.getString("material"), Rows.instant(rs, "expires_at"),
            rs.getBoolean("refreshable"), rs.getInt("refresh_failures"), rs.getBoolean("leased"),
            Rows.instant(rs, "refresh_failed_at"), rs.getString("refresh_error"), Rows.instant(rs, "last_refreshed_at"));

    /** A connect flow between its start and its callback; {@code params} are the connection parameters given. */
    public record ConnectState(String platform, String kind, UUID organizationId, UUID userId, String codeVerifier,
                               String returnTo, Instant expiresAt, Map<String, String> params) {
        public ConnectState {
            params = Map.copyOf(params);
        }

        public String paramsJson() {
            return ProviderJson.write(params);
        }
    }

    public void insertState(Handle handle, byte[] stateHash, ConnectState state, Instant now) {
        handle.createUpdate("""
                        INSERT INTO connect_states (state_hash, platform, kind, organization_id, user_id, code_verifier,
                                                    return_to, created_at, expires_at, params)
                        VALUES (:hash, :platform, :kind, :organizationId, :userId, :codeVerifier, :returnTo, :now, :expiresAt,
                                CAST(:paramsJson AS jsonb))""")
                .bind("hash", stateHash).bindMethods(state).bind("now", now).execute();
    }

    /** Uses the state up (whatever comes next, it cannot be replayed); empty when unknown or used. */
    public Optional<ConnectState> consumeState(Handle handle, byte[] stateHash, String platform) {
        return handle.createQuery("""
                        DELETE FROM connect_states WHERE state_hash = :hash AND platform = :platform
                        RETURNING platform, kind, organization_id, user_id, code_verifier, return_to, expires_at, params""")
                .bind("hash", stateHash).bind("platform", platform)
                .map((rs, ctx) -> new ConnectState(rs.getString("platform"), rs.getString("kind"),
                        Rows.uuid(rs, "organization_id"), Rows.uuid(rs, "user_id"), rs.getString("code_verifier"),
                        rs.getString("return_to"), Rows.instant(rs, "expires_at"), params(rs.getString("params"))))
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

    /** One try at the lease: whether it was taken, the credential as it was, and the database's time. */
    public record LeaseAttempt(boolean taken, StoredCredential credential, Instant databaseNow) {
    }

    /**
     * Takes the credential's refresh lease for {@code owner} if nobody holds it (or the holder's ran
     * out), in one statement; answers either way, with the database's time, so the nodes agree on
     * when a lease ends and on which failed attempt came after whose wait. Empty when the credential
     * is gone.
     */
    public Optional<LeaseAttempt> tryRefreshLease(Handle handle, UUID id, UUID owner, Duration lease) {
        return handle.createQuery("""
                        WITH taken AS (
                            UPDATE vault_credentials SET refresh_owner = :owner,
                                   refresh_lease_until = now() + make_interval(secs => :seconds)
                            WHERE id = :id AND (refresh_lease_until IS NULL OR refresh_lease_until <= now())
                            RETURNING id)
                        SELECT""" + " " + CREDENTIAL_COLUMNS + """
                        , EXISTS (SELECT 1 FROM taken) AS taken, now() AS database_now
                        FROM vault_credentials WHERE id = :id""")
                .bind("id", id).bind("owner", owner).bind("seconds", lease.toSeconds())
                .map((rs, ctx) -> new LeaseAttempt(rs.getBoolean("taken"), CREDENTIAL.map(rs, ctx),
                        Rows.instant(rs, "database_now")))
                .findOne();
    }

    /** Gives the lease back (if still ours). */
    public void releaseRefreshLease(Handle handle, UUID id, UUID owner) {
        handle.createUpdate("""
                        UPDATE vault_credentials SET refresh_owner = NULL, refresh_lease_until = NULL
                        WHERE id = :id AND refresh_owner = :owner""")
                .bind("id", id).bind("owner", owner).execute();
    }

    public Optional<StoredCredential> findCredential(Handle handle, UUID id) {
        return handle.createQuery("SELECT " + CREDENTIAL_COLUMNS + " FROM vault_credentials WHERE id = :id")
                .bind("id", id).map(CREDENTIAL).findOne();
    }

    /** The credential, its row locked until the transaction ends (a check deciding it was refused). */
    public Optional<StoredCredential> lockCredential(Handle handle, UUID id) {
        return handle.createQuery("SELECT " + CREDENTIAL_COLUMNS + " FROM vault_credentials WHERE id = :id FOR UPDATE")
                .bind("id", id).map(CREDENTIAL).findOne();
    }

    /** Renewed material, written the moment the provider answered. */
    public void storeRefreshed(Handle handle, UUID id, String material, Instant expiresAt, boolean refreshable,
                               Instant now) {
        handle.createUpdate("""
                        UPDATE vault_credentials SET material = :material, expires_at = :expiresAt,
                               refreshable = :refreshable, updated_at = :now, last_refreshed_at = :now,
                               refresh_failures = 0, next_refresh_at = NULL, refresh_failed_at = NULL,
                               refresh_error = NULL
                        WHERE id = :id""")
                .bind("id", id).bind("material", material).bind("expiresAt", expiresAt)
                .bind("refreshable", refreshable).bind("now", now).execute();
        handle.createUpdate("""
                        UPDATE connections SET last_error = NULL, updated_at = :now
                        WHERE credential_id = :id AND status = 'active' AND last_error IS NOT NULL""")
                .bind("id", id).bind("now", now).execute();
    }

    /**
     * A refresh attempt that failed: what the callers that waited on it are told. The lease is given
     * back in the same statement, so no caller can take it between the failure and its record.
     */
    public void recordRefreshAttemptFailed(Handle handle, UUID id, UUID owner, String error) {
        handle.createUpdate("""
                        UPDATE vault_credentials SET refresh_failed_at = now(), refresh_error = :error,
                               refresh_owner = CASE WHEN refresh_owner = :owner THEN NULL ELSE refresh_owner END,
                               refresh_lease_until = CASE WHEN refresh_owner = :owner THEN NULL ELSE refresh_lease_until END
                        WHERE id = :id""")
                .bind("id", id).bind("owner", owner).bind("error", error).execute();
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
     * Whether another organization has a live connection that overlaps the account: the account's
     * parent connected as a whole (a Slack Enterprise Grid), or a child of it connected on its own.
     */
    public boolean overlapsElsewhere(Handle handle, String platform, String kind, String externalId, String parentId,
                                     UUID orgId) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM connections
                                       WHERE platform = :platform AND kind = :kind AND status <> 'revoked'
                                         AND organization_id <> :orgId
                                         AND (external_id = :parentId OR parent_external_id = :externalId))""")
                .bind("platform", platform).bind("kind", kind).bind("externalId", externalId).bind("parentId", parentId)
                .bind("orgId", orgId).mapTo(Boolean.class).one();
    }

    /** The live connection of the external account, whichever organization has it, locked until commit. */
    public Optional<Connection> lockLiveByAccount(Handle handle, String platform, String kind, String externalId) {
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM + " " + """
                        WHERE c.platform = :platform AND c.kind = :kind AND c.external_id = :externalId
                          AND c.status <> 'revoked' FOR UPDATE OF c""")
                .bind("platform", platform).bind("kind", kind).bind("externalId", externalId)
                .map(CONNECTION).findOne();
    }

    /**
     * Creates the connection, or — when the organization already has the external account live —
     * points it at the new credential and makes it active again (a re-authorization). Empty when the
     * account is live in another organization: an external account belongs to at most one.
     */
    public Optional<UUID> upsertConnection(Handle handle, UUID credentialId, String platform, String kind, UUID orgId,
                                           Authorization.ExternalAccount account, List<String> scopes, UUID userId,
                                           Instant now) {
        return handle.createQuery("""
                        INSERT INTO connections AS c (id, credential_id, platform, kind, organization_id, external_id,
                                                      external_name, parent_external_id, scopes, status, created_by,
                                                      created_at, updated_at)
                        VALUES (:id, :credentialId, :platform, :kind, :orgId, :externalId, :externalName, :parentId,
                                :scopes, 'active', :userId, :now, :now)
                        ON CONFLICT (platform, kind, external_id) WHERE status <> 'revoked' DO UPDATE
                        SET credential_id = EXCLUDED.credential_id, external_name = EXCLUDED.external_name,
                            parent_external_id = EXCLUDED.parent_external_id,
                            scopes = EXCLUDED.scopes, status = 'active', last_error = NULL,
                            updated_at = EXCLUDED.updated_at
                        WHERE c.organization_id = EXCLUDED.organization_id
                        RETURNING c.id""")
                .bind("id", Ids.newId()).bind("credentialId", credentialId).bind("platform", platform)
                .bind("kind", kind).bind("orgId", orgId).bind("externalId", account.externalId())
                .bind("externalName", account.externalName()).bind("parentId", account.parentId())
                .bind("scopes", scopes.toArray(String[]::new))
                .bind("userId", userId).bind("now", now)
                .mapTo(UUID.class).findOne();
    }

    /** Whether any live connection still uses the credential. */
    public boolean credentialInUse(Handle handle, UUID credentialId) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM connections WHERE credential_id = :id AND status <> 'revoked')""")
                .bind("id", credentialId).mapTo(Boolean.class).one();
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
    /** The live connections a credential serves. */
    public List<Connection> liveOfCredential(Handle handle, UUID credentialId) {
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM + " WHERE c.credential_id = :id AND c.status <> 'revoked'")
                .bind("id", credentialId).map(CONNECTION).list();
    }

    /** Moves a live connection from one status to another; false when it was not in {@code from}. */
    public boolean changeStatus(Handle handle, UUID id, String from, String to, String error, Instant now) {
        return handle.createUpdate("""
                        UPDATE connections SET status = :to, last_error = :error, updated_at = :now
                        WHERE id = :id AND status = :from""")
                .bind("id", id).bind("from", from).bind("to", to).bind("error", error).bind("now", now).execute() == 1;
    }

    /** The live connections of an external account (any kind), for a provider's webhook. */
    public List<Connection> liveByAccount(Handle handle, String platform, String kind, String externalId) {
        return handle.createQuery("SELECT " + CONNECTION_COLUMNS + FROM
                        + " WHERE c.platform = :platform AND c.kind = :kind AND c.external_id = :external AND c.status <> 'revoked'"
                        + " FOR UPDATE OF c")
                .bind("platform", platform).bind("kind", kind).bind("external", externalId).map(CONNECTION).list();
    }

    /** Makes a credential due for renewal now (a GitHub installation's permissions changed). */
    public void expireCredential(Handle handle, UUID credentialId, Instant now) {
        handle.createUpdate("UPDATE vault_credentials SET expires_at = :now WHERE id = :id")
                .bind("id", credentialId).bind("now", now).execute();
    }

    /**
     * Records a provider webhook delivery; false when it was recorded before (a repeat). Deliveries
     * older than a week are forgotten: providers stop retrying long before.
     */
    public boolean recordDelivery(Handle handle, String provider, String deliveryId, Instant now) {
        handle.createUpdate("DELETE FROM provider_webhook_deliveries WHERE received_at < :before")
                .bind("before", now.minus(Duration.ofDays(7))).execute();
        return handle.createUpdate("""
                        INSERT INTO provider_webhook_deliveries (provider, delivery_id, received_at)
                        VALUES (:provider, :id, :now) ON CONFLICT DO NOTHING""")
                .bind("provider", provider).bind("id", deliveryId).bind("now", now).execute() == 1;
    }

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

    /**
     * Claims up to {@code limit} credentials the refresher should renew — refreshable, expiring
     * before {@code horizon}, not backing off, with a live connection — by setting their next try to
     * {@code claimedUntil}, in one statement; other nodes skip them meanwhile.
     */
    public List<UUID> claimDueForRefresh(Handle handle, Instant horizon, Instant now, Instant claimedUntil, int limit) {
        return handle.createQuery("""
                        UPDATE vault_credentials SET next_refresh_at = :claimedUntil
                        WHERE id IN (SELECT v.id FROM vault_credentials v
                                     WHERE v.refreshable AND v.expires_at < :horizon
                                       AND (v.next_refresh_at IS NULL OR v.next_refresh_at <= :now)
                                       AND EXISTS (SELECT 1 FROM connections c
                                                   WHERE c.credential_id = v.id AND c.status = 'active')
                                     ORDER BY v.expires_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING id""")
                .bind("horizon", horizon).bind("now", now).bind("claimedUntil", claimedUntil).bind("limit", limit)
                .mapTo(UUID.class).list();
    }

    /**
     * Claims up to {@code limit} credentials of active connections whose scheduled check is due (a
     * new one is first due {@code firstAfter} after it was stored): the claim holds until {@code
     * claimedUntil}, so other nodes skip them meanwhile.
     */
    public List<UUID> claimDueForCheck(Handle handle, Instant now, Duration firstAfter, Instant claimedUntil, int limit) {
        return handle.createQuery("""
                        UPDATE vault_credentials SET check_due_at = :claimedUntil
                        WHERE id IN (SELECT v.id FROM vault_credentials v
                                     WHERE COALESCE(v.check_due_at, v.created_at + :firstAfter) <= :now
                                       AND (v.expires_at IS NULL OR v.expires_at > :now)
                                       AND EXISTS (SELECT 1 FROM connections c
                                                   WHERE c.credential_id = v.id AND c.status = 'active')
                                     ORDER BY COALESCE(v.check_due_at, v.created_at) LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING id""")
                .bind("now", now).bind("firstAfter", firstAfter).bind("claimedUntil", claimedUntil).bind("limit", limit)
                .mapTo(UUID.class).list();
    }

    /** A check's outcome: when it ran, and when the next one is due. */
    public void recordCheck(Handle handle, UUID credentialId, Instant checkedAt, Instant nextDue) {
        handle.createUpdate("""
                        UPDATE vault_credentials SET checked_at = COALESCE(:checkedAt, checked_at), check_due_at = :nextDue
                        WHERE id = :id""")
                .bind("id", credentialId).bind("checkedAt", checkedAt).bind("nextDue", nextDue).execute();
    }

    /**
     * Credentials that cannot be renewed and expire before {@code horizon}, not yet warned of for
     * this expiry: marked warned in the same statement, so each expiry is announced once.
     */
    public List<UUID> claimExpiringUnwarned(Handle handle, Instant now, Instant horizon) {
        return handle.createQuery("""
                        UPDATE vault_credentials v SET expiry_warned_for = v.expires_at
                        WHERE NOT v.refreshable AND v.expires_at > :now AND v.expires_at < :horizon
                          AND v.expiry_warned_for IS DISTINCT FROM v.expires_at
                          AND EXISTS (SELECT 1 FROM connections c WHERE c.credential_id = v.id AND c.status = 'active')
                        RETURNING v.id""")
                .bind("now", now).bind("horizon", horizon).mapTo(UUID.class).list();
    }

    /** The latest check per platform, for /oauth/status. */
    public Map<String, Instant> lastChecks(Handle handle) {
        Map<String, Instant> last = new LinkedHashMap<>();
        handle.createQuery("SELECT platform, max(checked_at) AS at FROM vault_credentials GROUP BY platform")
                .map((rs, ctx) -> Map.entry(rs.getString("platform"), java.util.Optional.ofNullable(Rows.instant(rs, "at"))))
                .forEach(row -> row.getValue().ifPresent(at -> last.put(row.getKey(), at)));
        return last;
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

    private static Map<String, String> params(String json) {
        Map<String, String> params = new LinkedHashMap<>();
        try {
            ProviderJson.parse(json).fields().forEachRemaining(field -> params.put(field.getKey(), field.getValue().asText()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("connect_states.params is not JSON", e);
        }
        return params;
    }
}
