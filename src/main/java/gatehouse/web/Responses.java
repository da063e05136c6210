package gatehouse.web;

import io.javalin.http.Context;

/** Writes JSON answers in the one way the contract wants them. */
public final class Responses {
    public static final String JSON = "application/json";

    private Responses() {
    }

    public static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType(JSON).result(Json.write(body));
    }

    public static void ok(Context ctx, Object body) {
        json(ctx, 200, body);
    }

    public static void created(Context ctx, Object body) {
        json(ctx, 201, body);
    }

    public static void noContent(Context ctx) {
        ctx.status(204);
    }

    /** For anything carrying a secret: never cached (RFC 6749 §5.1). */
    public static Context noStore(Context ctx) {
        return ctx.header("Cache-Control", "no-store").header("Pragma", "no-cache");
    }
}
