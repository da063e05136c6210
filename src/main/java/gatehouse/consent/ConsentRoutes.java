package gatehouse.consent;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** {@code /api/v1/oauth/consents}: the caller's consents and their history. */
public final class ConsentRoutes {
    private final ConsentService consents;
    private final CallerSource callers;

    public ConsentRoutes(ConsentService consents, CallerSource callers) {
        this.consents = consents;
        this.callers = callers;
    }

    /** A consent as the API shows it. */
    public record View(UUID id, String clientId, UUID organizationId, String actor, List<String> scopes,
                       Instant createdAt, Instant updatedAt) {
        static View of(Consent c) {
            return new View(c.id(), c.clientId(), c.organizationId(), c.actor(), c.scopes(), c.createdAt(), c.updatedAt());
        }
    }

    public void create(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        Consent consent = consents.create(caller, body.string("client_id", 64), body.strings("scopes", 100, 128),
                body.uuid("organization_id"), body.string("actor", 10));
        Responses.created(ctx, View.of(consent));
    }

    public void list(Context ctx) {
        Responses.ok(ctx, consents.list(callers.requireManager(ctx), Bodies.page(ctx)).map(View::of));
    }

    public void history(Context ctx) {
        Responses.ok(ctx, consents.history(callers.requireManager(ctx), Bodies.page(ctx)));
    }

    public void revoke(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        consents.revoke(caller, JsonBody.parseUuid("consent_id", ctx.pathParam("consent_id")));
        Responses.noContent(ctx);
    }

}
