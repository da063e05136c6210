package gatehouse.scopes;

import java.time.Instant;
import java.util.UUID;

/** A permission in the catalog. Restricted scopes need an admin's approval before an app may use them. */
public record Scope(UUID id, String name, String description, boolean restricted, boolean builtin,
                    Instant createdAt, Instant updatedAt) {
}
