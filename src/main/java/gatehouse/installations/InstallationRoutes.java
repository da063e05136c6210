package gatehouse.installations;

import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.UUID;

/** {@code /api/v1/orgs/{id}/installations}: the apps installed in an organization. */
public final class InstallationRoutes {
    private final InstallationService installations;
    private final CallerSource callers;

    public InstallationRoutes(InstallationService installations, CallerSource callers) {
        this.installations = installations;
        this.callers = callers;
    }

    public void list(Context ctx) {
        Responses.ok(ctx, installations.list(callers.requireManager(ctx), orgId(ctx), Bodies.page(ctx)));
    }

    public void disconnect(Context ctx) {
        installations.disconnect(callers.requireManager(ctx), orgId(ctx),
                JsonBody.parseUuid("installation_id", ctx.pathParam("installation_id")));
        Responses.noContent(ctx);
    }

    private static UUID orgId(Context ctx) {
        return JsonBody.parseUuid("id", ctx.pathParam("id"));
    }
}
