package gatehouse.webhooks;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;

/** Events in, and each app's webhook delivery log and secret (docs/http.md, "The management API" Webhooks). */
public final class WebhookRoutes {
    private final WebhookService webhooks;
    private final CallerSource callers;

    public WebhookRoutes(WebhookService webhooks, CallerSource callers) {
        this.webhooks = webhooks;
        this.callers = callers;
    }

    /** POST /api/v1/events {organization_id, type, data} → 202. */
    public void publish(Context ctx) {
        Caller caller = callers.require(ctx);
        JsonBody body = Bodies.json(ctx);
        var published = webhooks.publish(caller, body.uuid("organization_id"), body.string("type", 101),
                body.node("data"));
        Responses.json(ctx, 202, published);
    }

    public void deliveries(Context ctx) {
        Responses.ok(ctx, webhooks.deliveries(callers.requireManager(ctx), ctx.pathParam("client_id"), Bodies.page(ctx)));
    }

    public void redeliver(Context ctx) {
        var delivery = webhooks.redeliver(callers.requireManager(ctx), ctx.pathParam("client_id"),
                JsonBody.parseUuid("id", ctx.pathParam("id")));
        Responses.json(ctx, 202, delivery);
    }

    /** POST /api/v1/oauth/clients/{client_id}/webhook-secret → the new secret, this once. */
    public void rotateSecret(Context ctx) {
        String secret = webhooks.rotateSecret(callers.requireManager(ctx), ctx.pathParam("client_id"));
        Responses.ok(Responses.noStore(ctx), Map.of("webhook_secret", secret));
    }
}
