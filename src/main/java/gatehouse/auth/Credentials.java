package gatehouse.auth;

import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What the features that hold credentials tell {@link CallerResolver}, which stands on the floor and
 * so knows them only through these interfaces: browser sessions (users), access tokens (tokens),
 * apps' own secrets (clients), and the management API's budget (ratelimit).
 */
public final class Credentials {
    private Credentials() {
    }

    /** The browser session behind a cookie. */
    public interface Sessions {
        /** The session's caller, or empty when the cookie names no live session. */
        Optional<Caller> resolve(String cookieValue);
    }

    /**
     * An access token's facts, as the resolver needs them to build a caller; {@code dpopJkt} the key
     * it is bound to (RFC 9449), or null; {@code audience} the resource server it is for (RFC 8707),
     * null when it is for Gatehouse's default audience.
     */
    public record BearerFacts(UUID tokenId, String clientId, UUID userId, String username, List<String> roles,
                              String scope, UUID organizationId, String actor, String grantType,
                              boolean singlePerInstallation, String dpopJkt, String audience) {
    }

    /** Live access tokens by value. */
    public interface AccessTokens {
        /** The facts of a known, unrevoked, unexpired token whose user is enabled; empty otherwise. */
        Optional<BearerFacts> findActive(String value);
    }

    /** Apps authenticating with their own client ID and secret (HTTP Basic). */
    public interface ClientSecrets {
        /** The authenticated app's client ID; 401 {@code invalid_client} otherwise. */
        String authenticate(String basicAuthorization);
    }

    /** The management API's budget per credential. */
    public interface RequestBudget {
        /** Spends one request of {@code key}'s budget; 429 when it is spent. */
        void spend(Context ctx, String key);
    }
}
