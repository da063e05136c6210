package gatehouse.tokens;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Told, in the revoking transaction, when a user takes an app's tokens away (to send token.revoked). */
public interface TokenEvents {
    TokenEvents NONE = (handle, clientId, organizationId, userId, reason) -> {
    };

    void tokensRevoked(Handle handle, String clientId, UUID organizationId, UUID userId, String reason);
}
