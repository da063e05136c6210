package gatehouse.clients;

import java.io.IOException;
import java.net.URI;

/**
 * Fetches the JWK set an app publishes at its {@code jwks_uri}, under the rules outbound requests
 * to apps' addresses follow (public addresses only, no redirects, short timeouts, a size cap; the
 * webhook package implements it). Answers the JSON.
 */
@FunctionalInterface
public interface JwksSource {
    String fetch(URI uri) throws IOException;
}
