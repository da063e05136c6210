package gatehouse.tokens;

import gatehouse.errors.OAuthException;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /api/v1/oauth/tokens} and {@code POST /api/v1/oauth/tokens/bulk-revoke} (docs/http.md, "The management API"):
 * an app authenticated with Basic sees and revokes its own tokens; platform admins all, filtered.
 */
public final class TokenRoutes {
    private final TokenService tokens;
    private final CallerSource callers;

    public TokenRoutes(TokenService tokens, CallerSource callers) {
        this.tokens = tokens;
        this.callers = callers;
    }

    public void list(Context ctx) {
        FormParams query = Bodies.query(ctx);
        var filter = new TokenListing.Filter(query.get("client_id"), uuid(query, "user_id"), uuid(query, "organization_id"));
        var page = Bodies.page(ctx);
        Responses.ok(ctx, tokens.list(scoped(ctx, filter), page));
    }

    public void bulkRevoke(Context ctx) {
        JsonBody body = ctx.req().getContentLengthLong() == 0 ? JsonBody.empty() : Bodies.json(ctx);
        var filter = scoped(ctx, new TokenListing.Filter(body.string("client_id", 64), body.uuid("user_id"),
                body.uuid("organization_id")));
        if (filter.isEmpty()) {
            throw OAuthException.validation("name at least one of client_id, user_id, organization_id");
        }
        Responses.ok(ctx, Map.of("revoked", tokens.revokeMatching(filter)));
    }

    /** An app is held to its own tokens; anyone else must be a platform admin. */
    private TokenListing.Filter scoped(Context ctx, TokenListing.Filter filter) {
        var app = callers.basicClient(ctx);
        if (app.isPresent()) {
            String clientId = app.get().clientId();
            if (filter.clientId() != null && !filter.clientId().equals(clientId)) {
                throw OAuthException.forbidden("an app sees only its own tokens");
            }
            return new TokenListing.Filter(clientId, filter.userId(), filter.organizationId());
        }
        Caller caller = callers.requireManager(ctx);
        if (!caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins see every app's tokens; an app uses its own credentials");
        }
        return filter;
    }

    private static UUID uuid(FormParams query, String name) {
        String value = query.get(name);
        return value == null ? null : JsonBody.parseUuid(name, value);
    }
}
