package gatehouse.vault;

import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * HTTP to providers: 10 s timeouts, no redirects, a User-Agent (GitHub refuses requests without
 * one). A timeout or a broken connection is a {@link ProviderException.Kind#TRANSIENT} failure, and
 * one that happened before any connection existed (refused, unresolvable, connect timeout) is marked
 * {@link ProviderException#neverSent()}; statuses and bodies are the caller's to judge, since
 * providers answer errors with 200.
 */
public final class ProviderHttp {
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The whole exchange, body included. */
    public static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(15);

    /** A provider's answer. */
    public record Answer(int status, String body, HttpHeaders headers) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** Retry-After in seconds, or 0. */
        public long retryAfter() {
            try {
                String value = header("Retry-After");
                return value == null ? 0 : Math.max(0, Long.parseLong(value.trim()));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    public Answer send(HttpRequest.Builder request, String provider) throws ProviderException {
        HttpRequest built = request.timeout(TIMEOUT).header("User-Agent", "Gatehouse").build();
        var exchange = client.sendAsync(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            // A bound on the whole exchange, body included: the request timeout ends once headers
            // arrive, and a provider trickling its body must not hold a refresh (and its lease) open.
            HttpResponse<String> response = exchange.get(EXCHANGE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new Answer(response.statusCode(), response.body(), response.headers());
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "timeout", provider + " did not answer in time");
        } catch (ExecutionException e) {
            throw failure(provider, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "interrupted", provider + " call interrupted");
        }
    }

    private static ProviderException failure(String provider, Throwable cause) {
        if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException) {
            // No connection was made (refused, DNS failure, connect timeout): nothing was sent.
            return ProviderException.unreachable(provider, cause.getClass().getSimpleName());
        }
        if (cause instanceof HttpTimeoutException) {
            return new ProviderException(ProviderException.Kind.TRANSIENT, "timeout", provider + " did not answer in time");
        }
        return new ProviderException(ProviderException.Kind.TRANSIENT, "connection_failed",
                provider + " dropped the connection: " + (cause == null ? "unknown" : cause.getClass().getSimpleName()));
    }

    public static HttpRequest.BodyPublisher form(Map<String, String> fields) {
        return HttpRequest.BodyPublishers.ofString(fields.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&")));
    }

    /**
     * {@code base + path + "?" + query} for a browser redirect; null values are left out, and spaces
     * are {@code %20} so no provider has to read '+' as a space.
     */
    public static URI withQuery(String base, String path, Map<String, String> query) {
        String encoded = query.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> encode(e.getKey()).replace("+", "%20") + "=" + encode(e.getValue()).replace("+", "%20"))
                .collect(Collectors.joining("&"));
        return URI.create(uri(base, path) + "?" + encoded);
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public static URI uri(String base, String path) {
        return URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) + path : base + path);
    }
}
