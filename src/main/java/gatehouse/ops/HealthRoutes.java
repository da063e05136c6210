package gatehouse.ops;

import gatehouse.store.Database;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;

/** {@code GET /health}: 200 while the database answers, 503 when it does not (API.md §6). */
public final class HealthRoutes {
    private final Database database;

    public HealthRoutes(Database database) {
        this.database = database;
    }

    public void health(Context ctx) {
        boolean databaseUp = database.isHealthy();
        // Redis is not used yet; the rate-limits work reports it here when configured.
        var checks = Map.of("database", databaseUp ? "ok" : "down", "redis", "disabled");
        Responses.json(ctx.header("Cache-Control", "no-store"), databaseUp ? 200 : 503,
                Map.of("status", databaseUp ? "ok" : "unavailable", "checks", checks));
    }
}
