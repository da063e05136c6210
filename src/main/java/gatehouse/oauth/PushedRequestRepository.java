package gatehouse.oauth;

import gatehouse.store.Rows;
import gatehouse.store.StoredJson;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Pushed authorization requests (RFC 9126) by the SHA-256 of their reference. */
public final class PushedRequestRepository {

    /**
     * A pushed request as stored: whose it is, its parameters, when it was pushed, until when it may
     * be used, and whether it was.
     */
    public record Pushed(String clientId, Map<String, String> parameters, Instant pushedAt, Instant expiresAt,
                         Instant usedAt) {
    }

    public void insert(Handle handle, byte[] hash, String clientId, Map<String, String> parameters, Instant pushedAt,
                       Instant expiresAt) {
        handle.createUpdate("""
                        INSERT INTO pushed_authorization_requests (request_hash, client_id, parameters, pushed_at, expires_at)
                        VALUES (:hash, :clientId, CAST(:parameters AS jsonb), :pushedAt, :expiresAt)""")
                .bind("hash", hash)
                .bind("clientId", clientId)
                .bind("parameters", StoredJson.write(parameters))
                .bind("pushedAt", pushedAt)
                .bind("expiresAt", expiresAt)
                .execute();
    }

    private static final String COLUMNS = "client_id, parameters::text AS parameters, pushed_at, expires_at, used_at";
    @SuppressWarnings("unchecked")
    private static final RowMapper<Pushed> MAPPER = (rs, ctx) -> new Pushed(rs.getString("client_id"),
            (Map<String, String>) StoredJson.read(rs.getString("parameters"), Map.class),
            Rows.instant(rs, "pushed_at"), Rows.instant(rs, "expires_at"), Rows.instant(rs, "used_at"));

    public Optional<Pushed> find(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM pushed_authorization_requests WHERE request_hash = :hash")
                .bind("hash", hash)
                .map(MAPPER)
                .findOne();
    }

    /**
     * Opens {@code clientId}'s request in a browser, in one statement: if it is unused and not expired
     * at {@code now}, it lives until {@code until} at least, and is returned as it is then.
     */
    public Optional<Pushed> open(Handle handle, byte[] hash, String clientId, Instant now, Instant until) {
        return handle.createQuery("""
                        UPDATE pushed_authorization_requests SET expires_at = greatest(expires_at, :until)
                        WHERE request_hash = :hash AND client_id = :clientId AND used_at IS NULL AND expires_at > :now
                        RETURNING\s""" + COLUMNS)
                .bind("hash", hash)
                .bind("clientId", clientId)
                .bind("now", now)
                .bind("until", until)
                .map(MAPPER)
                .findOne();
    }

    /** Marks the request used, if it was not: false when another code was issued from it already. */
    public boolean markUsed(Handle handle, byte[] hash, Instant now) {
        return handle.createUpdate("""
                        UPDATE pushed_authorization_requests SET used_at = :now
                        WHERE request_hash = :hash AND used_at IS NULL""")
                .bind("hash", hash)
                .bind("now", now)
                .execute() == 1;
    }
}
