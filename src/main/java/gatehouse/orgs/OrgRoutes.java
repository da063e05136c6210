package gatehouse.orgs;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.UUID;

/** {@code /api/v1/orgs}: organizations and their members. */
public final class OrgRoutes {
    private final OrgService orgs;
    private final CallerSource callers;

    public OrgRoutes(OrgService orgs, CallerSource callers) {
        this.orgs = orgs;
        this.callers = callers;
    }

    public void create(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.created(ctx, orgs.create(caller, body.string("name", OrgService.MAX_NAME + 1), body.string("slug", 63)));
    }

    public void list(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        Responses.ok(ctx, orgs.list(caller, Bodies.queryFlag(ctx, "all"), Bodies.page(ctx)));
    }

    public void get(Context ctx) {
        Responses.ok(ctx, orgs.get(callers.requireManager(ctx), orgId(ctx)));
    }

    public void addMember(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.created(ctx, orgs.addMember(caller, orgId(ctx), body.string("username", 300), body.string("role", 20)));
    }

    public void members(Context ctx) {
        Responses.ok(ctx, orgs.members(callers.requireManager(ctx), orgId(ctx), Bodies.page(ctx)));
    }

    /** PUT /api/v1/orgs/{id}/members/{user_id} {role} */
    public void changeRole(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Responses.ok(ctx, orgs.changeRole(caller, orgId(ctx), JsonBody.parseUuid("user_id", ctx.pathParam("user_id")),
                body.string("role", 20)));
    }

    public void removeMember(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        orgs.removeMember(caller, orgId(ctx), JsonBody.parseUuid("user_id", ctx.pathParam("user_id")));
        Responses.noContent(ctx);
    }

    private static UUID orgId(Context ctx) {
        return JsonBody.parseUuid("id", ctx.pathParam("id"));
    }

}
