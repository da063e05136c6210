package gatehouse.oauth;

import java.util.UUID;

/** Whether a user belongs to an organization, in any role. */
@FunctionalInterface
public interface OrgMembership {

    boolean isMember(UUID organizationId, UUID userId);
}
