package gatehouse.webhooks;

import gatehouse.clients.JwksSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Fetches an app's {@code jwks_uri} (RFC 7591) as webhooks are sent: the host's addresses checked
 * once and connected to as checked (public ones only, unless GATEHOUSE_WEBHOOK_ALLOW_PRIVATE), no
 * redirects, no cookies; five seconds at most, 64 KiB at most, {@code 200} only.
 */
public final class RemoteJwks implements JwksSource, AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_BYTES = 65_536;

    private final ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    public RemoteJwks(HostResolver hosts, boolean allowPrivate) {
        this.http = WebhookDispatcher.httpClient(new CheckedAddresses(hosts, allowPrivate, lookups), "gatehouse-jwks-http",
                "Gatehouse-JWKS/1");
    }

    @Override
    public String fetch(URI uri) throws IOException {
        var request = http.newRequest(uri).timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> headers.put(HttpHeader.ACCEPT, "application/json, application/jwk-set+json"));
        ContentResponse response;
        try {
            response = new CompletableResponseListener(request, MAX_BYTES).send()
                    .get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching the app's keys", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the app's jwks_uri did not answer usably: " + e.getClass().getSimpleName(), e);
        }
        if (response.getStatus() != 200) {
            throw new IOException("the app's jwks_uri answered " + response.getStatus());
        }
        return new String(response.getContent(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // stopping anyway
        }
        lookups.shutdownNow();
    }
}
