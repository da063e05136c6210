package gatehouse.ops;

import gatehouse.errors.OAuthException;
import gatehouse.auth.CallerSource;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer with a Prometheus registry: every request is timed by route template and status
 * (so IDs in paths do not explode the series), with histogram buckets for latency quantiles.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Timers by (method, route, status): building one per request costs more than the request. */
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Records one finished request. {@code route} is the matched path template. */
    public void recordRequest(String method, String route, int status, float millis) {
        timers.computeIfAbsent(new TimerKey(method, route, status), this::timer)
                .record((long) (millis * 1_000_000), TimeUnit.NANOSECONDS);
    }

    private record TimerKey(String method, String route, int status) {
    }

    private Timer timer(TimerKey key) {
        return Timer.builder("http_server_requests")
                .description("HTTP requests by route and status")
                .tag("method", key.method())
                .tag("route", key.route())
                .tag("status", Integer.toString(key.status()))
                .publishPercentileHistogram()
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100))
                .register(registry);
    }

    /**
     * GET /metrics on the main port: only for platform admins (an admin's browser session, or a
     * service token with admin:*), since the series tell outsiders which apps are busy and failing.
     */
    public Handler forAdmins(CallerSource callers) {
        return ctx -> {
            if (!callers.require(ctx).isPlatformAdmin()) {
                throw OAuthException.forbidden("only admins may read the metrics");
            }
            scrape(ctx);
        };
    }

    /** GET /metrics as is: on GATEHOUSE_METRICS_PORT, which the network keeps to the scraper. */
    public void scrape(Context ctx) {
        ctx.header("Cache-Control", "no-store")
                .contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
    }
}
