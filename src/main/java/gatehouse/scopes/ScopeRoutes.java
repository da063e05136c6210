package gatehouse.scopes;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;

/** {@code /api/v1/oauth/scopes}: the scope catalog. */
public final class ScopeRoutes {
    private final ScopeService scopes;
    private final CallerSource callers;

    public ScopeRoutes(ScopeService scopes, CallerSource callers) {
        this.scopes = scopes;
        this.callers = callers;
    }

    public void create(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.created(ctx, scopes.create(caller, body.string("name", ScopeService.MAX_NAME + 1),
                body.string("description", ScopeService.MAX_DESCRIPTION), body.bool("restricted")));
    }

    public void list(Context ctx) {
        callers.requireManager(ctx);
        Responses.ok(ctx, scopes.list(Bodies.page(ctx)));
    }

    public void update(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.ok(ctx, scopes.update(caller, JsonBody.parseUuid("scope_id", ctx.pathParam("scope_id")),
                body.string("name", ScopeService.MAX_NAME + 1), body.string("description", ScopeService.MAX_DESCRIPTION),
                body.bool("restricted")));
    }

    public void delete(Context ctx) {
        scopes.delete(callers.requireManager(ctx), JsonBody.parseUuid("scope_id", ctx.pathParam("scope_id")));
        Responses.noContent(ctx);
    }
}
