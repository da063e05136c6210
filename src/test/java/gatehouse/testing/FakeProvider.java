package gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import gatehouse.web.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What every fake provider shares: a loopback HTTP server on virtual threads, a log of the requests
 * it received, and the switches a test uses to make the provider misbehave.
 *
 * <p>A fake answers in {@link #answer} and decides where its provider would fail by calling {@link
 * #armedFailure} (GitHub fails every API call, Slack only its token call), giving the provider's own
 * error shapes through {@link #serverError} and {@link #rateLimited}. Switches: {@link #failNext},
 * {@link #failNextOn}, {@link #rateLimitNext}, {@link #hangNext} for the next N requests
 * ({@code Integer.MAX_VALUE}: until healed), {@link #afterRefresh} for what a refresh answers once it
 * has rotated the pair; {@link #heal} ends them all and releases hung requests, as {@link #close}
 * does.
 */
public abstract class FakeProvider implements AutoCloseable {
    /** How long a hung request waits at most when no test heals the fake. */
    private static final Duration LONGEST_HANG = Duration.ofSeconds(60);

    /** What the token endpoint does once it has applied a refresh (the old pair is dead). */
    public enum AfterRefresh { ANSWER, FAIL_502, HANG }

    /** A request as the fake received it. */
    public record Request(String method, String path, Map<String, String> query, String body, Headers headers) {
        public String header(String name) {
            return headers.getFirst(name);
        }

        /** The token of an {@code Authorization: Bearer} header, or null. */
        public String bearer() {
            String auth = header("Authorization");
            return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
        }

        /** The fields of a form-encoded body (none for any other content type). */
        public Map<String, String> form() {
            String type = header("Content-Type");
            return type != null && type.startsWith("application/x-www-form-urlencoded") ? params(body) : Map.of();
        }

        /** A parameter from the form body or else the query string. */
        public String param(String name) {
            return form().getOrDefault(name, query.get(name));
        }

        public boolean is(String method, String path) {
            return this.method.equals(method) && this.path.equals(path);
        }
    }

    /** What the fake answers; {@link #DROP} closes the connection without an answer. */
    public record Reply(int status, String contentType, String body, Map<String, String> headers, Streamer streamer) {
        public Reply(int status, String contentType, String body, Map<String, String> headers) {
            this(status, contentType, body, headers, null);
        }

        /** An answer whose body the fake writes as it likes (chunked), for streaming tests. */
        public static Reply streamed(int status, String contentType, Streamer streamer) {
            return new Reply(status, contentType, "", Map.of(), streamer);
        }

        public static final String JSON = "application/json; charset=utf-8";
        public static final Reply DROP = new Reply(0, null, "", Map.of());

        public static Reply json(int status, Object body) {
            return new Reply(status, JSON, body instanceof JsonNode node ? node.toString() : Json.writeString(body), Map.of());
        }

        public static Reply text(int status, String contentType, String body) {
            return new Reply(status, contentType, body, Map.of());
        }

        public static Reply empty(int status) {
            return new Reply(status, null, "", Map.of());
        }

        public static Reply redirect(String location) {
            return new Reply(302, null, "", Map.of("Location", location));
        }

        public Reply with(String header, String value) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put(header, value);
            return new Reply(status, contentType, body, all, streamer);
        }
    }

    /** Writes a streamed answer's body. */
    public interface Streamer {
        void write(java.io.OutputStream out) throws IOException;
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private Supplier<Reply> failure; // guarded by this
    private String failurePath; // guarded by this; null: every path
    private int failuresLeft; // guarded by this
    private volatile AfterRefresh afterRefresh = AfterRefresh.ANSWER;
    private volatile CountDownLatch healed = new CountDownLatch(1);
    private volatile boolean closed;

    protected FakeProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** The provider's answer to one request. */
    protected abstract Reply answer(Request request);

    /** The provider's answer when it fails with {@code status} (a 5xx). */
    protected abstract Reply serverError(int status);

    /** The provider's answer when it rate-limits a caller for {@code retryAfterSeconds}. */
    protected abstract Reply rateLimited(long retryAfterSeconds);

    /** The provider's answer when its gateway loses the answer of a refresh. */
    protected Reply badGateway() {
        return serverError(502);
    }

    // ---- where it is and what it saw -----------------------------------------------------------------------

    /** {@code http://127.0.0.1:port}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request received so far, in order of arrival (before any switch acted on it). */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    // ---- switches ------------------------------------------------------------------------------------------

    /** The next {@code times} failing points answer {@code status} (a 5xx). */
    public void failNext(int times, int status) {
        failNext(times, null, () -> serverError(status));
    }

    /**
     * The next {@code times} failing points reached for {@code path} answer {@code status}; other
     * paths pass. The path is the one the fake gives {@link #armedFailure}.
     */
    public void failNextOn(String path, int times, int status) {
        failNext(times, path, () -> serverError(status));
    }

    /** The next {@code times} failing points answer the provider's rate limit with that Retry-After. */
    public void rateLimitNext(int times, long retryAfterSeconds) {
        failNext(times, null, () -> rateLimited(retryAfterSeconds));
    }

    /** The next {@code times} failing points never answer (until {@link #heal} or {@link #close}). */
    public void hangNext(int times) {
        hangNext(times, LONGEST_HANG);
    }

    /**
     * The next {@code times} failing points wait {@code atMost} (less once healed or closed), then
     * drop the connection without doing anything.
     */
    public void hangNext(int times, Duration atMost) {
        failNext(times, null, () -> hang(atMost));
    }

    /** What a refresh answers once it has rotated the pair. */
    public void afterRefresh(AfterRefresh behaviour) {
        afterRefresh = behaviour;
    }

    /** Ends every armed failure and releases hung requests. */
    public void heal() {
        synchronized (this) {
            failuresLeft = 0;
            failure = null;
        }
        afterRefresh = AfterRefresh.ANSWER;
        releaseHungRequests();
    }

    @Override
    public void close() {
        closed = true;
        releaseHungRequests();
        server.stop(0);
    }

    // ---- for the fakes -------------------------------------------------------------------------------------

    /** Arms {@code answer} for the next {@code times} failing points on {@code onlyPath} (null: any path). */
    protected final synchronized void failNext(int times, String onlyPath, Supplier<Reply> answer) {
        failure = answer;
        failurePath = onlyPath;
        failuresLeft = times;
    }

    /** A failing point: consumes one armed failure that applies to {@code path}; null lets the request pass. */
    protected final Reply armedFailure(String path) {
        Supplier<Reply> answer;
        synchronized (this) {
            if (failuresLeft <= 0 || failurePath != null && !failurePath.equals(path)) {
                return null;
            }
            if (failuresLeft != Integer.MAX_VALUE) {
                failuresLeft--;
            }
            answer = failure;
        }
        return answer.get(); // outside the lock: a hang must not hold up other requests
    }

    /** The answer of a refresh that rotated the pair, after the {@link #afterRefresh} switch. */
    protected final Reply afterRefresh(Reply rotated) {
        return switch (afterRefresh) {
            case ANSWER -> rotated;
            case FAIL_502 -> badGateway();
            case HANG -> hang(LONGEST_HANG);
        };
    }

    /** Waits until healed or closed, {@code atMost}; then the connection is dropped. */
    protected final Reply hang(Duration atMost) {
        CountDownLatch release = healed;
        try {
            if (!closed) {
                release.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Reply.DROP;
    }

    /** {@code a=1&b=2} decoded; the first value of a repeated name wins. */
    public static Map<String, String> params(String encoded) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (encoded == null) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                fields.putIfAbsent(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------

    private void releaseHungRequests() {
        CountDownLatch release = healed;
        healed = new CountDownLatch(1);
        release.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    params(exchange.getRequestURI().getRawQuery()),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), exchange.getRequestHeaders());
            requests.add(request);
            Reply reply = answer(request);
            if (reply != Reply.DROP) {
                send(exchange, reply);
            }
        } catch (IOException e) {
            // the client went away (it timed out); nothing to answer
        } catch (RuntimeException e) {
            e.printStackTrace(); // a bug in the fake: show it in the test's output
            throw e;
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (reply.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        }
        if (reply.streamer() != null) {
            exchange.sendResponseHeaders(reply.status(), 0);
            try (var out = exchange.getResponseBody()) {
                reply.streamer().write(out);
            }
            return;
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }
}
