package gatehouse.orgs;

import java.time.Instant;
import java.util.UUID;

/** A user's role in an organization: {@code owner}, {@code admin} or {@code member}. */
public record Membership(UUID organizationId, UUID userId, String username, String role, Instant createdAt) {
    public static final String OWNER = "owner";
    public static final String ADMIN = "admin";
    public static final String MEMBER = "member";

    /** Owners and admins manage the organization and may install apps with actor {@code app}. */
    public static boolean canAdminister(String role) {
        return OWNER.equals(role) || ADMIN.equals(role);
    }
}
