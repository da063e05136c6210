package gatehouse.web;

import io.javalin.http.Context;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes JSON answers in the one way the contract wants them. */
public final class Responses {
    private static final Logger log = LoggerFactory.getLogger(Responses.class);
    public static final String JSON = "application/json";

    private Responses() {
    }

    public static void json(Context ctx, int status, Object body) {
        byte[] bytes = Json.write(body);
        ctx.status(status).contentType(JSON);
        write(ctx, bytes);
    }

    /**
     * Writes the whole body at once with its length, straight to the servlet response: Javalin's
     * result stream would copy it through an 8 KiB buffer made for each response (a tenth of an
     * introspection's CPU, BENCHMARKS.md). Nothing sets a header after an endpoint answers.
     */
    private static void write(Context ctx, byte[] bytes) {
        ctx.res().setContentLength(bytes.length);
        try {
            ctx.res().getOutputStream().write(bytes);
        } catch (IOException e) {
            // The client went away: there is no one left to answer.
            log.debug("response not written: {}", e.toString());
        }
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
