package gatehouse.oauth;

import gatehouse.auth.ServiceScopes;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.scopes.ScopeService;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/** Resolves a requested {@code scope} against what is allowed (RFC 6749 §3.3). */
final class ScopeRequest {
    private ScopeRequest() {
    }

    /**
     * The requested scopes when all are within {@code allowed}; all of {@code allowed} when none were
     * requested, but for the OpenID Connect scopes, which sign a user in only when asked for by name;
     * invalid_scope otherwise.
     */
    static Set<String> resolve(String requested, Collection<String> allowed) {
        return resolve(requested, allowed, true);
    }

    private static Set<String> resolve(String requested, Collection<String> allowed, boolean signInByNameOnly) {
        Set<String> scopes = ScopeService.parse(requested);
        if (scopes.isEmpty()) {
            Set<String> defaults = new LinkedHashSet<>(allowed);
            if (signInByNameOnly) {
                defaults.removeAll(OpenIdConnect.SCOPES);
            }
            return defaults;
        }
        for (String scope : scopes) {
            if (!allowed.contains(scope)) {
                throw OAuthException.of(OAuthError.INVALID_SCOPE, "scope " + scope + " is not allowed for this app")
                        .withDetail("requested " + scope);
            }
        }
        return scopes;
    }

    /**
     * As {@link #resolve}, for every grant but a service token: a service scope asked for by name is
     * invalid_scope, and a default scope leaves the service scopes out (see {@link ServiceScopes}).
     */
    static Set<String> resolveDelegated(String requested, Collection<String> allowed) {
        ServiceScopes.refuseIn(ScopeService.parse(requested));
        return resolve(requested, ServiceScopes.delegable(allowed));
    }

    /**
     * A refresh's scope (RFC 6749 §6): the requested scopes when all are within {@code granted}, all
     * of {@code granted} (the OpenID Connect scopes included) when none were requested.
     */
    static Set<String> narrow(String requested, Collection<String> granted) {
        ServiceScopes.refuseIn(ScopeService.parse(requested));
        return resolve(requested, ServiceScopes.delegable(granted), false);
    }

    static String join(Collection<String> scopes) {
        return String.join(" ", scopes);
    }
}
