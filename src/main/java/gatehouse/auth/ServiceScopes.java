package gatehouse.auth;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.util.Collection;
import java.util.List;

/**
 * Where restricted service scopes ({@link Caller#SERVICE_SCOPES}: admin:*, connections:read,
 * events:publish) may appear. They are capabilities an admin approves for an internal service, so
 * only plain {@code client_credentials} (the app as itself, no {@code organization_id}) issues them.
 * Every other grant — an authorization (actor self or app), the password grant, an installation
 * token, a refresh — refuses them when they are asked for by name and leaves them out of a default
 * scope; the consent page never offers them, and a consent cannot record them.
 */
public final class ServiceScopes {
    private ServiceScopes() {
    }

    public static boolean isServiceScope(String scope) {
        return Caller.SERVICE_SCOPES.contains(scope);
    }

    /** {@code scopes} without the service scopes, in order: what a delegated grant may carry. */
    public static List<String> delegable(Collection<String> scopes) {
        return scopes.stream().filter(scope -> !isServiceScope(scope)).toList();
    }

    /** The service scopes among {@code scopes}, in order. */
    public static List<String> among(Collection<String> scopes) {
        return scopes.stream().filter(ServiceScopes::isServiceScope).toList();
    }

    /** invalid_scope when {@code requested} names a service scope; otherwise {@code requested}. */
    public static <C extends Collection<String>> C refuseIn(C requested) {
        List<String> service = among(requested);
        if (!service.isEmpty()) {
            throw OAuthException.of(OAuthError.INVALID_SCOPE, "scope " + service.getFirst()
                            + " is a service scope: only client_credentials without organization_id issues it")
                    .withDetail("requested " + service.getFirst());
        }
        return requested;
    }
}
