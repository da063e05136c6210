package gatehouse.registration;

import gatehouse.errors.OAuthException;
import gatehouse.web.Bodies;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;

/**
 * {@code POST /oauth/register} (RFC 7591) and {@code GET/PUT/DELETE /oauth/register/{client_id}}
 * (RFC 7592). Who may call them: registering, the holder of an initial access token (or anyone, for a
 * public app, under open registration); managing a registration, the holder of its registration
 * access token, and for that app only. Both tokens come as {@code Authorization: Bearer}.
 */
public final class RegistrationEndpoint {
    private final RegistrationService registrations;

    public RegistrationEndpoint(RegistrationService registrations) {
        this.registrations = registrations;
    }

    public void register(Context ctx) {
        var answer = registrations.register(bearer(ctx.header("Authorization")), metadata(ctx), ctx.ip());
        Responses.json(Responses.noStore(ctx), 201, answer);
    }

    public void read(Context ctx) {
        Responses.ok(Responses.noStore(ctx), registrations.read(ctx.pathParam("client_id"),
                bearer(ctx.header("Authorization"))));
    }

    public void update(Context ctx) {
        String token = bearer(ctx.header("Authorization"));
        Responses.ok(Responses.noStore(ctx), registrations.update(ctx.pathParam("client_id"), token, metadata(ctx)));
    }

    public void delete(Context ctx) {
        registrations.delete(ctx.pathParam("client_id"), bearer(ctx.header("Authorization")));
        Responses.noContent(ctx);
    }

    /** The body: a JSON object, else invalid_client_metadata (RFC 7591 §3.2.2). */
    private static JsonBody metadata(Context ctx) {
        try {
            return Bodies.json(ctx);
        } catch (OAuthException e) {
            throw ClientMetadata.asRegistrationError(e);
        }
    }

    /** The token of an {@code Authorization: Bearer} header, or null without a header. */
    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.length() <= 7) {
            throw OAuthException.invalidToken("not a Bearer Authorization header");
        }
        return authorization.substring(7).trim();
    }
}
