package gatehouse.vault;

import gatehouse.users.Caller;
import gatehouse.users.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/** The vault's HTTP face (API.md §6). */
public final class VaultRoutes {
    private final VaultService vault;
    private final VaultRefresher refresher;
    private final CallerSource callers;

    public VaultRoutes(VaultService vault, VaultRefresher refresher, CallerSource callers) {
        this.vault = vault;
        this.refresher = refresher;
        this.callers = callers;
    }

    /** GET /oauth/install/{platform}?organization_id=&return_to=&kind= → 302 to the provider. */
    public void install(Context ctx) {
        Caller caller = callers.require(ctx);
        FormParams query = Bodies.query(ctx);
        String org = query.get("organization_id");
        URI location = vault.startInstall(caller, ctx.pathParam("platform"), query.get("kind"),
                org == null ? null : JsonBody.parseUuid("organization_id", org), query.get("return_to"));
        ctx.header("Cache-Control", "no-store").redirect(location.toString());
    }

    /** GET /oauth/callback/{platform} → 302 to return_to, or 200 with the connections made. */
    public void callback(Context ctx) {
        FormParams query = Bodies.query(ctx);
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : new String[] {"code", "state", "error", "error_description", "installation_id", "setup_action"}) {
            if (query.get(name) != null) {
                params.put(name, query.get(name));
            }
        }
        Caller user = callers.session(ctx).orElse(null);
        var connected = vault.completeInstall(user, ctx.pathParam("platform"), params);
        ctx.header("Cache-Control", "no-store");
        if (connected.returnTo() != null) {
            String separator = connected.returnTo().contains("?") ? "&" : "?";
            ctx.redirect(connected.returnTo() + separator + "status=connected&connection_id="
                    + connected.connections().getFirst().id());
            return;
        }
        Responses.ok(ctx, Map.of("connections", connected.connections()));
    }

    /** GET /oauth/token/{platform}?organization_id= | workspace_id= | site_id= */
    public void token(Context ctx) {
        FormParams query = Bodies.query(ctx);
        var token = vault.lookup(callers.require(ctx), ctx.pathParam("platform"), query.get("organization_id"),
                query.get("workspace_id"), query.get("site_id"));
        Responses.ok(Responses.noStore(ctx), token);
    }

    public void list(Context ctx) {
        FormParams query = Bodies.query(ctx);
        String org = query.get("organization_id");
        Responses.ok(ctx, vault.list(callers.require(ctx), org == null ? null : JsonBody.parseUuid("organization_id", org),
                query.get("platform"), query.get("status"), Bodies.page(ctx)));
    }

    public void disconnect(Context ctx) {
        vault.disconnect(callers.require(ctx), JsonBody.parseUuid("id", ctx.pathParam("id")));
        Responses.noContent(ctx);
    }

    public void status(Context ctx) {
        Caller caller = callers.require(ctx);
        if (!caller.isPlatformAdmin() && !caller.isServiceWith(VaultService.READ_SCOPE)) {
            throw gatehouse.errors.OAuthException.forbidden("the vault's status is for admins and internal services");
        }
        Responses.ok(Responses.noStore(ctx), vault.status(refresher.lastRunAt()));
    }
}
