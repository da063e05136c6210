package gatehouse.vault;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.ratelimit.RateLimiter;
import gatehouse.web.Bodies;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /proxy/{platform}/{path…}}, any method (docs/vault-proxy.md). Who may call: internal
 * services with a {@code connections:read} service token and platform admins' tokens, for any
 * connection; nobody else, and no browser session (403). No or unknown credentials are 401, no connection for the key 404, more than
 * {@code GATEHOUSE_PROXY_RATE_LIMIT_PER_MINUTE} calls a minute on one connection 429, a body over
 * 10 MiB 413. The answer streams back as it arrives, never buffered whole.
 */
public final class ProxyEndpoint {
    private static final String PREFIX = "/proxy/";
    /** Request bodies held at once on this node (at most 10 MiB each). */
    static final int BUFFERED_BODIES = 16;
    /** An answer that sends nothing for this long is cut off. */
    static final Duration IDLE_ANSWER = Duration.ofSeconds(30);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "gatehouse-proxy-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final Semaphore bodies = new Semaphore(BUFFERED_BODIES);

    private final VaultProxy proxy;
    private final CallerSource callers;
    private final RateLimiter limiter;
    private final RateLimiter.Limit perConnection;

    public ProxyEndpoint(VaultProxy proxy, CallerSource callers, RateLimiter limiter, RateLimiter.Limit perConnection) {
        this.proxy = proxy;
        this.callers = callers;
        this.limiter = limiter;
        this.perConnection = perConnection;
    }

    public void proxy(Context ctx) throws IOException {
        Caller caller = callers.require(ctx);
        String platform = ctx.pathParam("platform");
        String path = rawPath(ctx, platform);
        String method = ctx.method().name();
        Map<String, String> keys = new LinkedHashMap<>();
        Bodies.query(ctx).asMap().forEach(keys::put);
        VaultProxy.Target target = proxy.resolve(caller, platform, ctx.header("Gatehouse-Connection"), keys, method, path);
        limiter.consumeQuietly(perConnection, target.connection().id().toString());
        byte[] body = boundedBody(ctx);
        long started = System.nanoTime();
        int status = 502;
        try {
            VaultProxy.Answer answer = proxy.forward(target, new VaultProxy.Outgoing(method, path,
                    VaultProxy.forwardedQuery(ctx.queryString()), headers(ctx), body));
            status = answer.status();
            stream(ctx, answer, method.equals("HEAD"));
        } catch (OAuthException e) {
            status = e.error().status();
            throw e;
        } finally {
            proxy.audited(caller, target, method, status, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** The path after {@code /proxy/{platform}}, exactly as the client encoded it. */
    private static String rawPath(Context ctx, String platform) {
        String uri = ctx.req().getRequestURI();
        String prefix = PREFIX + platform;
        if (!uri.startsWith(prefix + "/")) {
            throw OAuthException.invalidRequest("the path must stay inside the provider's API");
        }
        return uri.substring(prefix.length());
    }

    /** The request body, at most 10 MiB (413 above, judged by Content-Length first when it is given). */
    private static byte[] body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > VaultProxy.MAX_REQUEST_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes(VaultProxy.MAX_REQUEST_BYTES + 1);
            if (body.length > VaultProxy.MAX_REQUEST_BYTES) {
                throw tooLarge();
            }
            return body;
        }
    }

    /**
     * Bodies are held whole (a refused token's retry sends them again), so at most {@link
     * #BUFFERED_BODIES} requests with a body are read at once on this node; beyond, 503 after a short wait.
     */
    private byte[] boundedBody(Context ctx) throws IOException {
        boolean hasBody = ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
        if (!hasBody) {
            return new byte[0];
        }
        try {
            if (!bodies.tryAcquire(5, TimeUnit.SECONDS)) {
                throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "too many proxied uploads at once; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, "interrupted");
        }
        try {
            return body(ctx);
        } finally {
            bodies.release();
        }
    }

    private static OAuthException tooLarge() {
        return OAuthException.of(OAuthError.PAYLOAD_TOO_LARGE, "a proxied request body is at most "
                + VaultProxy.MAX_REQUEST_BYTES / (1024 * 1024) + " MiB");
    }

    private static Map<String, List<String>> headers(Context ctx) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            headers.put(name, Collections.list(ctx.req().getHeaders(name)));
        }
        return headers;
    }

    /** Status and headers first, then the body chunk by chunk as it arrives, flushed so nothing waits for the end. */
    private static void stream(Context ctx, VaultProxy.Answer answer, boolean head) throws IOException {
        HttpServletResponse response = ctx.res();
        response.setStatus(answer.status());
        answer.headers().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
        // A provider's content is never a page of Gatehouse's: no script, no frame, whatever its type.
        response.setHeader("Content-Security-Policy", "sandbox; default-src 'none'");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        try (InputStream in = answer.body()) {
            if (head) {
                return;
            }
            // A provider that stops sending mid-answer is cut off: closing the stream ends the read.
            ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastProgress.get() > IDLE_ANSWER.toNanos()) {
                    closeQuietly(in);
                }
            }, 5, 5, TimeUnit.SECONDS);
            try {
                OutputStream out = response.getOutputStream();
                byte[] buffer = new byte[16 * 1024];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    lastProgress.set(System.nanoTime());
                    out.write(buffer, 0, read);
                    if (in.available() == 0) {
                        out.flush();
                    }
                }
                out.flush();
            } finally {
                watchdog.cancel(false);
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // already broken: the read that waits on it fails, which is the point
        }
    }
}
