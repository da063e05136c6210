package gatehouse.registration;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /api/v1/orgs/{id}/initial-access-tokens}: the tokens that let apps register themselves
 * into an organization (RFC 7591). Who may call: owners and admins of that organization (a browser
 * session with CSRF), platform admins; a plain member gets 403, anyone else 404.
 */
public final class InitialAccessTokenRoutes {
    private final RegistrationService registrations;
    private final CallerSource callers;

    public InitialAccessTokenRoutes(RegistrationService registrations, CallerSource callers) {
        this.registrations = registrations;
        this.callers = callers;
    }

    /** POST {"expires_in", "max_uses"} → 201 {"id", "token", "expires_at", "max_uses", …}. */
    public void create(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        var created = registrations.createInitial(caller, orgId(ctx), body.integer("expires_in", Integer.MIN_VALUE,
                Integer.MAX_VALUE), body.integer("max_uses", Integer.MIN_VALUE, Integer.MAX_VALUE));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", created.token().id());
        answer.put("token", created.value());
        answer.put("organization_id", created.token().organizationId());
        answer.put("expires_at", created.token().expiresAt());
        answer.put("max_uses", created.token().maxUses());
        answer.put("uses", 0);
        answer.put("created_at", created.token().createdAt());
        Responses.json(Responses.noStore(ctx), 201, answer);
    }

    public void list(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        Responses.ok(ctx, Map.of("data", registrations.listInitial(caller, orgId(ctx))));
    }

    public void revoke(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        registrations.revokeInitial(caller, orgId(ctx), JsonBody.parseUuid("token_id", ctx.pathParam("token_id")));
        Responses.noContent(ctx);
    }

    private static UUID orgId(Context ctx) {
        return JsonBody.parseUuid("id", ctx.pathParam("id"));
    }
}
