package gatehouse.http;

import gatehouse.audit.RequestOrigin;
import gatehouse.ops.Metrics;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every request an ID (the caller's {@code X-Request-Id} when it looks like one), echoes it,
 * and logs one line per request: method, route template, status, time. Never the query string or
 * body, which may carry codes, tokens and passwords.
 */
public final class RequestLog {
    private static final Logger log = LoggerFactory.getLogger("gatehouse.request");
    private static final String ATTRIBUTE = "gatehouse.request-id";
    private static final Pattern ACCEPTABLE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Metrics metrics;

    public RequestLog(Metrics metrics) {
        this.metrics = metrics;
    }

    /** The before-handler: assigns and echoes the request ID. */
    public void assignId(Context ctx) {
        String offered = ctx.header("X-Request-Id");
        String id = offered != null && ACCEPTABLE_ID.matcher(offered).matches() ? offered : newId();
        ctx.attribute(ATTRIBUTE, id);
        ctx.header("X-Request-Id", id);
        ctx.header("X-Content-Type-Options", "nosniff");
        RequestOrigin.set(ctx.ip(), ctx.header("User-Agent"));
    }

    /** The request logger: one line and one timer sample per finished request. */
    public void finished(Context ctx, Float millis) {
        RequestOrigin.clear();
        String route = route(ctx);
        metrics.recordRequest(ctx.method().name(), route, ctx.statusCode(), millis);
        if (log.isInfoEnabled()) {
            log.info("{} {} {} {}ms id={} ip={}", ctx.method().name(), route, ctx.statusCode(),
                    Math.round(millis * 10) / 10.0, requestId(ctx), ctx.ip());
        }
    }

    /** A request ID need not be unpredictable, so it does not draw on the SecureRandom. */
    private static String newId() {
        var random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    public static String requestId(Context ctx) {
        String id = ctx.attribute(ATTRIBUTE);
        return id == null ? "-" : id;
    }

    private static String route(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint == null ? "unmatched" : endpoint.path;
    }
}
