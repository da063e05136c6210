package gatehouse.ops;

import gatehouse.ratelimit.BucketStore;
import gatehouse.store.Database;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;

/**
 * {@code GET /health} (docs/http.md, "The vault"): 200 while the database answers, 503 when it does not. Redis is
 * "ok", "disabled" (not configured) or "degraded" (configured but not answering): rate limits are
 * then counted per node, and Gatehouse keeps serving, so the answer stays 200.
 */
public final class HealthRoutes {
    private final Database database;
    private final BucketStore buckets;

    public HealthRoutes(Database database, BucketStore buckets) {
        this.database = database;
        this.buckets = buckets;
    }

    public void health(Context ctx) {
        boolean databaseUp = database.isHealthy();
        var checks = Map.of("database", databaseUp ? "ok" : "down", "redis", buckets.health());
        Responses.json(ctx.header("Cache-Control", "no-store"), databaseUp ? 200 : 503,
                Map.of("status", databaseUp ? "ok" : "unavailable", "checks", checks));
    }
}
