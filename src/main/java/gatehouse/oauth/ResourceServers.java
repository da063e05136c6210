package gatehouse.oauth;

import gatehouse.clients.ClientService;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Resource indicators (RFC 8707): which resource server a token is asked for. A {@code resource}
 * parameter must be an absolute URI without a fragment that a resource server app registered as
 * its identifier; the token's audience is then that URI. One resource per request.
 */
@FunctionalInterface
public interface ResourceServers {

    /** The resource a {@code resource} parameter names, or null without one; invalid_target otherwise. */
    String resolve(String resource);

    /** Knows no resource server: any resource is invalid_target (tests of the other rules). */
    ResourceServers NONE = resource -> {
        if (resource != null) {
            throw unknown();
        }
        return null;
    };

    /** The resource servers registered as apps. */
    static ResourceServers registered(ClientService clients) {
        return resource -> {
            if (resource == null) {
                return null;
            }
            try {
                URI uri = new URI(resource);
                if (!uri.isAbsolute() || uri.getRawFragment() != null) {
                    throw OAuthException.of(OAuthError.INVALID_TARGET,
                            "resource must be an absolute URI without a fragment (RFC 8707 §2)");
                }
            } catch (URISyntaxException e) {
                throw OAuthException.of(OAuthError.INVALID_TARGET, "resource is not a URI");
            }
            clients.findByResource(resource).filter(server -> server.resourceServer()).orElseThrow(ResourceServers::unknown);
            return resource;
        };
    }

    /**
     * At the token endpoint for what was authorized for {@code authorized} (a code, a device
     * authorization, a refresh token's family): a resource asked for must be that one.
     */
    static void requireAuthorized(String asked, String authorized) {
        if (asked != null && !asked.equals(authorized)) {
            throw OAuthException.of(OAuthError.INVALID_TARGET, authorized == null
                    ? "no resource was authorized for this grant" : "this grant was authorized for another resource");
        }
    }

    private static OAuthException unknown() {
        return OAuthException.of(OAuthError.INVALID_TARGET, "resource is not a registered resource server");
    }
}
