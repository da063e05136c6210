package gatehouse.tokens;

import gatehouse.errors.OAuthException;
import gatehouse.users.Caller;
import gatehouse.users.CallerSource;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;
import java.util.UUID;

/**
 * The caller's OAuth sessions (API.md §4): list, end one, end all. The caller is a browser
 * session's user or a bearer token's user; an app acting as itself has none.
 */
public final class OAuthSessionRoutes {
    private final TokenService tokens;
    private final CallerSource callers;

    public OAuthSessionRoutes(TokenService tokens, CallerSource callers) {
        this.tokens = tokens;
        this.callers = callers;
    }

    /** GET /oauth/sessions — a bare array, not a page (API.md §4). */
    public void list(Context ctx) {
        Responses.ok(Responses.noStore(ctx), tokens.sessions(userOf(ctx)));
    }

    /** DELETE /oauth/sessions/{token_id} */
    public void end(Context ctx) {
        UUID userId = userOf(ctx);
        UUID tokenId = JsonBody.parseUuid("token_id", ctx.pathParam("token_id"));
        if (!tokens.endSession(userId, tokenId)) {
            throw OAuthException.notFound("no such OAuth session");
        }
        Responses.noContent(ctx);
    }

    /** POST /oauth/revoke-all */
    public void endAll(Context ctx) {
        int count = tokens.endAllSessions(userOf(ctx));
        Responses.ok(ctx, Map.of("message", "revoked " + count + " OAuth session" + (count == 1 ? "" : "s"),
                "count", count));
    }

    private UUID userOf(Context ctx) {
        Caller caller = callers.require(ctx);
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app acting as itself has no OAuth sessions");
        }
        return caller.userId();
    }
}
