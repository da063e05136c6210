package gatehouse.auth;

import gatehouse.errors.OAuthException;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Who is calling, for the routes of every feature. The HTTP layer implements it (session cookie
 * with CSRF check, or bearer token); features depend only on this interface.
 */
public interface CallerSource {

    /** The caller, or empty when the request carries no credentials. Bad credentials still throw. */
    Optional<Caller> optional(Context ctx);

    /** The caller; 401 {@code unauthenticated} without credentials, 401 {@code invalid_token} for a bad token. */
    default Caller require(Context ctx) {
        return optional(ctx).orElseThrow(OAuthException::unauthenticated);
    }

    /**
     * A caller allowed on the management API as its user or app: any session, or a bearer token
     * carrying {@code admin:*} (docs/security.md, "Callers"). Other tokens get 403 {@code insufficient_scope}.
     */
    default Caller requireManager(Context ctx) {
        Caller caller = require(ctx);
        if (!caller.mayManage()) {
            throw OAuthException.insufficientScope(Caller.ADMIN_SCOPE);
        }
        return caller;
    }

    /**
     * The browser session's user, without the X-CSRF-Token check: for HTML forms, which carry their
     * own {@code csrf_token} field that the handler checks. Bearer tokens do not count here.
     */
    Optional<Caller> session(Context ctx);

    /**
     * The browser session's user for a page that acts on the session alone (the console), spending
     * the management API's per-credential budget once per request, as the API does for its callers.
     */
    Optional<Caller> budgetedSession(Context ctx);

    /**
     * The app authenticating with HTTP Basic client credentials, for the routes that serve an app
     * about itself (its tokens, its rate limits); empty when the request does not use Basic.
     * Wrong credentials are 401 {@code invalid_client}.
     */
    Optional<Caller> basicClient(Context ctx);
}
