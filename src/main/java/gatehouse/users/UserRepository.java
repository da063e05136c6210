package gatehouse.users;

import gatehouse.store.PageRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Users by ID and by (case-insensitive) username. Methods take the caller's handle (transaction). */
public final class UserRepository {
    static final RowMapper<User> MAPPER = ConstructorMapper.of(User.class);
    private static final String COLUMNS =
            "id, username, password_hash, name, roles, email_verified, disabled, created_at, updated_at";

    /** Inserts {@code user}; returns false when the username is taken (nothing is written then). */
    public boolean insert(Handle handle, User user) {
        return handle.createUpdate("""
                        INSERT INTO users (id, username, password_hash, name, roles, email_verified, disabled, created_at, updated_at)
                        VALUES (:id, :username, :passwordHash, :name, :roles, :emailVerified, :disabled, :createdAt, :updatedAt)
                        ON CONFLICT DO NOTHING""")
                .bindMethods(user)
                .bind("roles", user.roles().toArray(String[]::new))
                .execute() == 1;
    }

    public Optional<User> findById(Handle handle, UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id")
                .bind("id", id)
                .map(MAPPER)
                .findOne();
    }

    public Optional<User> findByUsername(Handle handle, String username) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE lower(username) = lower(:username)")
                .bind("username", username)
                .map(MAPPER)
                .findOne();
    }

    /** Users in ID order; with {@code search}, those whose email or name contains it (any case). */
    public List<User> list(Handle handle, String search, PageRequest page) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM users
                        WHERE id > :after
                          AND (CAST(:pattern AS text) IS NULL OR username ILIKE :pattern OR name ILIKE :pattern)
                        ORDER BY id LIMIT :limit""")
                .bind("pattern", search == null ? null
                        : "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    public void update(Handle handle, User user) {
        handle.createUpdate("""
                        UPDATE users SET name = :name, roles = :roles, disabled = :disabled, updated_at = :updatedAt
                        WHERE id = :id""")
                .bindMethods(user)
                .bind("roles", user.roles().toArray(String[]::new))
                .execute();
    }

    /** Records that the user proved they receive mail at their username. */
    public void markEmailVerified(Handle handle, UUID id, Instant now) {
        handle.createUpdate("UPDATE users SET email_verified = true, updated_at = :now WHERE id = :id AND NOT email_verified")
                .bind("id", id).bind("now", now).execute();
    }

    /** Sets a new password (an Argon2id hash); a password reset also proves the email address. */
    public void resetPassword(Handle handle, UUID id, String passwordHash, Instant now) {
        handle.createUpdate("UPDATE users SET password_hash = :hash, email_verified = true, updated_at = :now WHERE id = :id")
                .bind("id", id).bind("hash", passwordHash).bind("now", now).execute();
    }

    /** A new password hash, nothing else (a reset also marks the email verified: the link reached it). */
    public void changePassword(Handle handle, UUID id, String passwordHash, Instant now) {
        handle.createUpdate("UPDATE users SET password_hash = :hash, updated_at = :now WHERE id = :id")
                .bind("id", id).bind("hash", passwordHash).bind("now", now).execute();
    }

    /** Deletes the user; their sessions, memberships, consents, grants and tokens go with them. */
    public boolean delete(Handle handle, UUID id) {
        return handle.createUpdate("DELETE FROM users WHERE id = :id").bind("id", id).execute() == 1;
    }

    public boolean anyAdmin(Handle handle) {
        return handle.createQuery("SELECT EXISTS (SELECT 1 FROM users WHERE 'admin' = ANY (roles))")
                .mapTo(Boolean.class)
                .one();
    }

    public List<User> findByIds(Handle handle, List<UUID> ids) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = ANY (:ids)")
                .bind("ids", ids.toArray(UUID[]::new))
                .map(MAPPER)
                .list();
    }
}
