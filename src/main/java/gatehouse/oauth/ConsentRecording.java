package gatehouse.oauth;

import java.util.Collection;
import java.util.UUID;

/** Records a user's consent to an app, as the consent step does; the password grant's sign-in is one. */
@FunctionalInterface
public interface ConsentRecording {

    /** Grants (or widens) the user's consent to the app for the scopes. */
    void grant(Tx tx, UUID userId, String clientId, UUID organizationId, String actor, Collection<String> scopes);
}
