package gatehouse.tokens;

import gatehouse.errors.OAuthException;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;
import java.util.UUID;

/**
 * The caller's OAuth sessions (docs/http.md, "The OAuth flows"): list, end one, end all. The caller is a browser
 * session's user (all of their sessions) or a bearer token's user — then only the sessions of that
 * token's own app, unless it is a platform admin's, so one app cannot list or end another app's
 * grants. An app acting as itself has none.
 */
public final class OAuthSessionRoutes {
    private final TokenService tokens;
    private final CallerSource callers;

    public OAuthSessionRoutes(TokenService tokens, CallerSource callers) {
        this.tokens = tokens;
        this.callers = callers;
    }

    /** GET /oauth/sessions — a bare array, not a page (docs/http.md, "The OAuth flows"). */
    public void list(Context ctx) {
        Caller caller = callers.require(ctx);
        Responses.ok(Responses.noStore(ctx), tokens.sessions(userOf(caller), appOf(caller)));
    }

    /** DELETE /oauth/sessions/{token_id} */
    public void end(Context ctx) {
        Caller caller = callers.require(ctx);
        UUID userId = userOf(caller);
        UUID tokenId = JsonBody.parseUuid("token_id", ctx.pathParam("token_id"));
        if (!tokens.endSession(userId, appOf(caller), tokenId)) {
            throw OAuthException.notFound("no such OAuth session");
        }
        Responses.noContent(ctx);
    }

    /** POST /oauth/revoke-all */
    public void endAll(Context ctx) {
        Caller caller = callers.require(ctx);
        int count = tokens.endAllSessions(userOf(caller), appOf(caller));
        Responses.ok(ctx, Map.of("message", "revoked " + count + " OAuth session" + (count == 1 ? "" : "s"),
                "count", count));
    }

    private static UUID userOf(Caller caller) {
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app acting as itself has no OAuth sessions");
        }
        return caller.userId();
    }

    /** The app whose sessions alone the caller may see and end; null for all of the user's. */
    private static String appOf(Caller caller) {
        return caller.isSession() || caller.isPlatformAdmin() ? null : caller.clientId();
    }
}
