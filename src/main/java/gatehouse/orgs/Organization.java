package gatehouse.orgs;

import java.time.Instant;
import java.util.UUID;

/** A tenant: users are its members; apps are owned by one and installed into others. */
public record Organization(UUID id, String name, String slug, UUID createdBy, Instant createdAt) {
}
