package gatehouse.users;

import gatehouse.auth.Caller;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A person who logs in. {@code username} is an email address, stored lower-cased. */
public record User(
        UUID id,
        String username,
        String passwordHash,
        String name,
        List<String> roles,
        boolean emailVerified,
        boolean disabled,
        Instant createdAt,
        Instant updatedAt) {

    public static final String ROLE_ADMIN = Caller.ROLE_ADMIN;
    public static final String ROLE_USER = "user";

    public boolean isAdmin() {
        return roles.contains(ROLE_ADMIN);
    }

    /** What the API shows of a user: never the password hash. */
    public View view() {
        return new View(id, username, name, roles, emailVerified, disabled, createdAt, updatedAt);
    }

    public record View(UUID id, String username, String name, List<String> roles, boolean emailVerified,
                       boolean disabled, Instant createdAt, Instant updatedAt) {
    }
}
