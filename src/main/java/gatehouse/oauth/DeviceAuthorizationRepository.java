package gatehouse.oauth;

import gatehouse.store.Rows;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Device authorizations (RFC 8628) by the SHA-256 of the device code, or by user code. */
public final class DeviceAuthorizationRepository {
    private static final String COLUMNS = """
            user_code, client_id, scope, actor, organization_id, created_at, expires_at, interval_seconds,
            last_polled_at, decision, resource""";
    private static final RowMapper<DeviceAuthorization> MAPPER = (rs, ctx) -> new DeviceAuthorization(
            rs.getString("user_code"), rs.getString("client_id"), rs.getString("scope"), rs.getString("actor"),
            Rows.uuid(rs, "organization_id"), Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"),
            rs.getInt("interval_seconds"), Rows.instant(rs, "last_polled_at"), rs.getString("decision"),
            rs.getString("resource"));

    /** Stores a new authorization; false when its user code is taken already (the caller draws another). */
    public boolean insert(Handle handle, byte[] hash, DeviceAuthorization device) {
        return handle.createUpdate("""
                        INSERT INTO device_authorizations (device_code_hash, user_code, client_id, scope, actor,
                            organization_id, created_at, expires_at, interval_seconds, resource)
                        VALUES (:hash, :userCode, :clientId, :scope, :actor, :organizationId, :createdAt, :expiresAt,
                            :intervalSeconds, :resource)
                        ON CONFLICT (user_code) DO NOTHING""")
                .bindMethods(device)
                .bind("hash", hash)
                .execute() == 1;
    }

    /** The authorization a user code names, while it waits for a decision, with its device code's hash. */
    public Optional<Pending> findPending(Handle handle, String userCode, Instant now) {
        return handle.createQuery("SELECT device_code_hash, " + COLUMNS + """
                         FROM device_authorizations
                        WHERE user_code = :userCode AND decision IS NULL AND expires_at > :now""")
                .bind("userCode", userCode)
                .bind("now", now)
                .map((rs, ctx) -> new Pending(rs.getBytes("device_code_hash"), MAPPER.map(rs, ctx)))
                .findOne();
    }

    /** A pending authorization and the hash that names it. */
    public record Pending(byte[] hash, DeviceAuthorization device) {
    }

    /**
     * Records the user's decision, if none was made and it has not expired: false otherwise. The
     * authorization then lasts until {@code collectBy} at least, so a device has time to collect an
     * answer given just before it would have expired.
     */
    public boolean decide(Handle handle, byte[] hash, String decision, Instant now, Instant collectBy) {
        return handle.createUpdate("""
                        UPDATE device_authorizations SET decision = :decision, decided_at = :now,
                            expires_at = greatest(expires_at, :collectBy)
                        WHERE device_code_hash = :hash AND decision IS NULL AND expires_at > :now""")
                .bind("decision", decision)
                .bind("now", now)
                .bind("collectBy", collectBy)
                .bind("hash", hash)
                .execute() == 1;
    }

    /**
     * The authorization, locked until the unit of work ends: polls of one device code run one at a
     * time, and one that finds it locked does not wait (empty), so a flood of polls holds no connections.
     */
    public Optional<DeviceAuthorization> lock(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT " + COLUMNS
                        + " FROM device_authorizations WHERE device_code_hash = :hash FOR UPDATE SKIP LOCKED")
                .bind("hash", hash)
                .map(MAPPER)
                .findOne();
    }

    public boolean exists(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT EXISTS (SELECT 1 FROM device_authorizations WHERE device_code_hash = :hash)")
                .bind("hash", hash)
                .mapTo(Boolean.class)
                .one();
    }

    /** Records a poll and the interval the device must keep from now on. */
    public void recordPoll(Handle handle, byte[] hash, Instant now, int intervalSeconds) {
        handle.createUpdate("""
                        UPDATE device_authorizations SET last_polled_at = :now, interval_seconds = :interval
                        WHERE device_code_hash = :hash""")
                .bind("now", now)
                .bind("interval", intervalSeconds)
                .bind("hash", hash)
                .execute();
    }
}
