package gatehouse.vault;

import gatehouse.errors.OAuthException;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Pages;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The vault's HTTP face. Who may call what:
 * <ul>
 * <li>{@code GET /oauth/install/{platform}}: an administrator of the organization, in a browser session:
 * a confirmation page whose button posts back. (A flow is bound to the person who starts it, so a
 * token with no user cannot start one: 403.)
 * <li>{@code POST /oauth/install/{platform}}: the same, from the page (its {@code csrf_token} field or
 * an X-CSRF-Token header must match the session), so a cross-site link cannot attach an account.
 * <li>{@code GET /oauth/callback/{platform}}: the browser of the user who started the flow.
 * <li>{@code GET /oauth/token/{platform}}: platform admins and internal services (a service token
 * with {@code connections:read}).
 * <li>listing and disconnecting: the organization's administrators (session or {@code admin:*}).
 * <li>{@code GET /oauth/status}: platform admins and internal services.
 * </ul>
 */
public final class VaultRoutes {
    private final ConnectFlow connect;
    private final TokenLookup lookup;
    private final Connections connections;
    private final VaultRefresher refresher;
    private final CallerSource callers;
    private final Pages pages;

    public VaultRoutes(ConnectFlow connect, TokenLookup lookup, Connections connections, VaultRefresher refresher,
                       CallerSource callers, Pages pages) {
        this.connect = connect;
        this.lookup = lookup;
        this.connections = connections;
        this.refresher = refresher;
        this.callers = callers;
        this.pages = pages;
    }

    /** The model of connect.jte. */
    public record ConnectPage(String platformLabel, String action, UUID organizationId, String organizationName,
                              String kind, String returnTo, String csrfToken, List<ParamField> params) {
    }

    /** A connection parameter on the confirmation page: asked for, or carried when the link gave it. */
    public record ParamField(String name, String description, String pattern, String value) {
    }

    /** GET /oauth/install/{platform}?organization_id=&return_to=&kind= */
    public void installPage(Context ctx) {
        FormParams query = Bodies.query(ctx);
        String accept = ctx.header("Accept");
        if (callers.optional(ctx).isEmpty() && accept != null && accept.contains("text/html")) {
            // A browser without a session signs in first and comes back here.
            redirect(ctx, URI.create("/login?return_to=" + URLEncoder.encode(ctx.path()
                    + (ctx.queryString() == null ? "" : "?" + ctx.queryString()), StandardCharsets.UTF_8)));
            return;
        }
        Caller caller = callers.requireManager(ctx);
        String platform = ctx.pathParam("platform");
        if (!caller.isSession()) {
            redirect(ctx, connect.start(caller, platform, query.get("kind"), orgOf(query), query.get("return_to"),
                    query.asMap()));
            return;
        }
        ctx.attribute(Pages.HTML_ERRORS, true);
        var start = connect.check(caller, platform, query.get("kind"), orgOf(query), query.get("return_to"),
                query.asMap());
        List<ParamField> params = new ArrayList<>();
        start.platform().connectionParams().forEach((name, param) -> params.add(new ParamField(name, param.description(),
                param.pattern().pattern(), start.params().get(name))));
        pages.render(ctx, 200, "connect.jte", new ConnectPage(label(start.platform()), "/oauth/install/"
                + start.platform().name(), start.organizationId(), start.organizationName(), query.get("kind"),
                start.returnTo(), caller.csrfToken(), params));
    }

    /** POST /oauth/install/{platform} (the confirmation page's button) → 302 to the provider. */
    public void install(Context ctx) {
        Caller caller = callers.session(ctx).orElse(null);
        FormParams form = ctx.contentType() == null && ctx.contentLength() <= 0 ? Bodies.query(ctx) : Bodies.htmlForm(ctx);
        if (caller == null) {
            caller = callers.requireManager(ctx);
        } else {
            String presented = form.get("csrf_token") != null ? form.get("csrf_token") : ctx.header("X-CSRF-Token");
            requireCsrf(presented, caller);
        }
        redirect(ctx, connect.start(caller, ctx.pathParam("platform"), form.get("kind"), orgOf(form),
                form.get("return_to"), form.asMap()));
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
        var connected = connect.complete(user, ctx.pathParam("platform"), params);
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
        var token = lookup.lookup(callers.require(ctx), ctx.pathParam("platform"), query.get("organization_id"),
                query.get("workspace_id"), query.get("site_id"));
        Responses.ok(Responses.noStore(ctx), token);
    }

    public void list(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        FormParams query = Bodies.query(ctx);
        Responses.ok(ctx, connections.list(caller, orgOf(query), query.get("platform"), query.get("status"),
                Bodies.page(ctx)));
    }

    public void disconnect(Context ctx) {
        connections.disconnect(callers.requireManager(ctx), JsonBody.parseUuid("id", ctx.pathParam("id")));
        Responses.noContent(ctx);
    }

    public void status(Context ctx) {
        Responses.ok(Responses.noStore(ctx), connections.status(callers.require(ctx), refresher.lastRunAt()));
    }

    private static UUID orgOf(FormParams params) {
        String org = params.get("organization_id");
        return org == null ? null : JsonBody.parseUuid("organization_id", org);
    }

    private String label(Platform platform) {
        return connections.label(platform.name(), platform.kind());
    }

    private static void requireCsrf(String presented, Caller caller) {
        if (presented == null || caller.csrfToken() == null || !MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), caller.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw OAuthException.forbidden("the form has expired or did not come from Gatehouse; start again");
        }
    }

    private static void redirect(Context ctx, URI location) {
        ctx.header("Cache-Control", "no-store").redirect(location.toString(), HttpStatus.FOUND);
    }
}
