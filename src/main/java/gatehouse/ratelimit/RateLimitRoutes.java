package gatehouse.ratelimit;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/oauth/rate-limits}: an app (Basic) sees its endpoint budgets; a bearer token or
 * session sees its management-API budget (and, for a token, its app's budgets).
 */
public final class RateLimitRoutes {
    private final RateLimiter limiter;
    private final List<RateLimiter.Limit> perApp;
    private final RateLimiter.Limit api;
    private final CallerSource callers;

    public RateLimitRoutes(RateLimiter limiter, List<RateLimiter.Limit> perApp, RateLimiter.Limit api,
                           CallerSource callers) {
        this.limiter = limiter;
        this.perApp = perApp;
        this.api = api;
        this.callers = callers;
    }

    public void list(Context ctx) {
        List<RateLimiter.Status> limits = new ArrayList<>();
        var app = callers.basicClient(ctx);
        if (app.isPresent()) {
            limits.addAll(limiter.status(app.get().clientId(), perApp));
        } else {
            Caller caller = callers.require(ctx);
            limits.addAll(limiter.status(caller.rateLimitKey(), List.of(api)));
            if (caller.clientId() != null) {
                limits.addAll(limiter.status(caller.clientId(), perApp));
            }
        }
        Responses.ok(Responses.noStore(ctx), Map.of("limits", limits));
    }
}
