package gatehouse.oauth;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Whether an app is installed in an organization, as the grants acting under an installation ask it. */
@FunctionalInterface
public interface InstallationCheck {

    /**
     * The scopes the organization approved for the app, when it is installed there; the
     * installation is held until the unit of work ends, so a disconnect waits for it (and then
     * revokes what it issued). Empty when the app is not installed.
     */
    Optional<List<String>> holdActive(Tx tx, String clientId, UUID organizationId);
}
