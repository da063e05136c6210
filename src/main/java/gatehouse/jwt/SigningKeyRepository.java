package gatehouse.jwt;

import gatehouse.store.Rows;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The signing_keys table. Every method runs on the caller's handle. */
public final class SigningKeyRepository {
    private static final RowMapper<SigningKey> MAPPER = (rs, ctx) -> new SigningKey(Rows.uuid(rs, "id"),
            rs.getString("alg"), rs.getString("public_jwk"), Rows.instant(rs, "created_at"), Rows.instant(rs, "retired_at"));
    private static final String COLUMNS = "id, alg, public_jwk::text AS public_jwk, created_at, retired_at";

    /** A current key with its encrypted private JWK. */
    public record Current(UUID id, String privateJwkEncrypted) {
    }

    /**
     * Serializes creating and retiring keys across nodes until the transaction ends, so two nodes
     * needing a first key at once do not both make one.
     */
    public void lock(Handle handle) {
        handle.createQuery("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended('signing_keys', 0))")
                .mapTo(Integer.class)
                .one();
    }

    public void insert(Handle handle, UUID id, String alg, String publicJwk, String privateJwkEncrypted, Instant now) {
        handle.createUpdate("""
                        INSERT INTO signing_keys (id, alg, public_jwk, private_jwk_encrypted, created_at)
                        VALUES (:id, :alg, CAST(:publicJwk AS jsonb), :privateJwk, :now)""")
                .bind("id", id)
                .bind("alg", alg)
                .bind("publicJwk", publicJwk)
                .bind("privateJwk", privateJwkEncrypted)
                .bind("now", now)
                .execute();
    }

    /** The ID of the current key of {@code alg}: the cheap check every node repeats every few seconds. */
    public Optional<UUID> currentId(Handle handle, String alg) {
        return handle.createQuery("SELECT id FROM signing_keys WHERE alg = :alg AND retired_at IS NULL")
                .bind("alg", alg)
                .mapTo(UUID.class)
                .findOne();
    }

    public Optional<Current> current(Handle handle, String alg) {
        return handle.createQuery("""
                        SELECT id, private_jwk_encrypted FROM signing_keys WHERE alg = :alg AND retired_at IS NULL""")
                .bind("alg", alg)
                .map((rs, ctx) -> new Current(Rows.uuid(rs, "id"), rs.getString("private_jwk_encrypted")))
                .findOne();
    }

    /** Retires every current key; returns them, retired. */
    public List<SigningKey> retireCurrent(Handle handle, Instant now) {
        return handle.createQuery("UPDATE signing_keys SET retired_at = :now WHERE retired_at IS NULL RETURNING " + COLUMNS)
                .bind("now", now)
                .map(MAPPER)
                .list();
    }

    /** Every key, newest first. */
    public List<SigningKey> all(Handle handle) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM signing_keys ORDER BY created_at DESC, id DESC")
                .map(MAPPER)
                .list();
    }

    /**
     * The keys a verifier may still meet: the current ones, retired ones that signed an access token
     * that has not expired yet (revoked or not: a resource server cannot tell revocation by key), and
     * any retired within {@code retiredGrace} (the longest an ID token, which is not stored, lives).
     */
    public List<SigningKey> published(Handle handle, Instant now, Duration retiredGrace) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM signing_keys k
                        WHERE k.retired_at IS NULL
                           OR k.retired_at > :graceStart
                           OR EXISTS (SELECT 1 FROM access_tokens t WHERE t.signing_key_id = k.id AND t.expires_at > :now)
                        ORDER BY k.created_at DESC, k.id DESC""")
                .bind("now", now)
                .bind("graceStart", now.minus(retiredGrace))
                .map(MAPPER)
                .list();
    }
}
