package gatehouse.webhooks;

import gatehouse.clients.WebhookSecrets;
import gatehouse.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works the webhook outbox on every node: claims due deliveries (each claim counts the attempt and
 * leases the row, so nodes never make the same attempt), signs and POSTs them, and records the
 * answer. A 2xx is delivered; anything else is retried with exponential backoff and jitter until
 * 24 hours after the event, then given up. A node stopped mid-send leaves its lease to run out, and
 * another node (or this one, restarted) makes the next attempt: at least once, never lost.
 *
 * <p>Each connection goes to the addresses its host name resolved to when they were checked (see
 * {@link CheckedAddresses}): a name cannot pass the check with a public address and then be
 * connected to at an internal one.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final int BATCH = 20;
    /** Longer than a send can take (connect 5 s + answer 10 s), so a lease never ends mid-send. */
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TOTAL_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration MAX_PAUSE = Duration.ofHours(1);

    private final Database database;
    private final WebhookRepository deliveries;
    private final WebhookSecrets secrets;
    private final Clock clock;
    private final Duration retryBase;
    private final Duration pollInterval;
    private final MeterRegistry metrics;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;
    /** The operator's own SaaS-wide endpoint: trusted, so private addresses are fine; null when none. */
    private final SaasEndpoint saas;
    private volatile boolean running = true;
    private Thread loop;

    /**
     * {@code hosts} answers the DNS questions ({@link HostResolver#SYSTEM} but in tests);
     * {@code allowPrivate} turns the address check off (tests, development).
     */
    public WebhookDispatcher(Database database, WebhookRepository deliveries, WebhookSecrets secrets, Clock clock,
                             boolean allowPrivate, Duration retryBase, Duration pollInterval, MeterRegistry metrics,
                             HostResolver hosts, String saasUrl, String saasSecret) {
        this.database = database;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.clock = clock;
        this.retryBase = retryBase;
        this.pollInterval = pollInterval;
        this.metrics = metrics;
        this.http = httpClient(new CheckedAddresses(hosts, allowPrivate, senders), "gatehouse-webhooks-http",
                "Gatehouse-Webhooks/1");
        this.saas = saasUrl == null ? null : new SaasEndpoint(saasUrl,
                Base64.getDecoder().decode(saasSecret.substring(WebhookSecrets.PREFIX.length())),
                httpClient(new CheckedAddresses(hosts, true, senders), "gatehouse-events-http", "Gatehouse-Webhooks/1"));
    }

    /** Where deliveries without an app go (GATEHOUSE_EVENTS_WEBHOOK_URL), signed with its own secret. */
    private record SaasEndpoint(String url, byte[] key, HttpClient http) {
    }

    /**
     * An HTTP client for apps' own addresses (webhook receivers, jwks_uri): it connects only where
     * {@code addresses} allows, follows no redirect, keeps no cookie, and checks certificates.
     */
    static HttpClient httpClient(CheckedAddresses addresses, String threadName, String userAgent) {
        var ssl = new SslContextFactory.Client();
        ssl.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
        var threads = new QueuedThreadPool(16, 2);
        threads.setName(threadName);
        HttpClient client = new HttpClient();
        client.setSslContextFactory(ssl);
        client.setExecutor(threads);
        client.setSocketAddressResolver(addresses);
        client.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        client.setFollowRedirects(false); // a redirect could lead anywhere, private addresses included
        client.setHttpCookieStore(new HttpCookieStore.Empty()); // nothing a receiver sets comes back
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, userAgent));
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start an outbound HTTP client", e);
        }
        return client;
    }

    public void start() {
        loop = Thread.ofVirtual().name("gatehouse-webhooks").start(this::run);
    }

    private void run() {
        boolean reportedFailure = false;
        while (running) {
            try {
                List<WebhookDelivery> due = database.inTransaction(handle ->
                        deliveries.claimDue(handle, BATCH, clock.instant(), LEASE));
                reportedFailure = false;
                if (due.isEmpty()) {
                    pause(pollInterval);
                    continue;
                }
                var sends = due.stream().map(delivery -> senders.submit(() -> attempt(delivery))).toList();
                for (var send : sends) {
                    send.get();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!reportedFailure) {
                    log.warn("webhook outbox unavailable, retrying: {}", e.toString());
                    reportedFailure = true;
                }
                pause(pollInterval);
            }
        }
    }

    private void attempt(WebhookDelivery delivery) {
        Outcome outcome;
        try {
            outcome = send(delivery);
        } catch (RuntimeException e) {
            // E.g. a secret no configured key decrypts: retried, and said, since only an operator can fix it.
            log.warn("webhook delivery {} to app {} failed: {}", delivery.id(), delivery.clientId(), e.toString());
            outcome = Outcome.retry(null, "failed: " + e.getClass().getSimpleName());
        }
        record(delivery, outcome);
    }

    /** What one attempt came to. */
    private record Outcome(boolean delivered, boolean permanent, Integer status, String error) {
        static Outcome retry(Integer status, String error) {
            return new Outcome(false, false, status, error);
        }

        static Outcome giveUp(String error) {
            return new Outcome(false, true, null, error);
        }
    }

    private Outcome send(WebhookDelivery delivery) {
        boolean toSaas = delivery.clientId() == null;
        if (toSaas && saas == null) {
            return Outcome.giveUp("GATEHOUSE_EVENTS_WEBHOOK_URL is no longer set");
        }
        String url = toSaas ? saas.url() : database.withHandle(handle -> deliveries.webhookUrl(handle, delivery.clientId()));
        Optional<byte[]> key = toSaas ? Optional.of(saas.key())
                : database.withHandle(handle -> secrets.signingKey(handle, delivery.clientId()));
        if (url == null || key.isEmpty()) {
            return Outcome.giveUp("the app has no webhook URL or secret");
        }
        long timestamp = clock.instant().getEpochSecond();
        String id = delivery.id().toString();
        Request request = (toSaas ? saas.http() : http).newRequest(url)
                .method(HttpMethod.POST)
                // An answer within 10 s of silence, and a bound on the whole exchange, body
                // included: a receiver trickling its answer must not hold this node's sender.
                .idleTimeout(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .timeout(TOTAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> headers
                        .put("webhook-id", id)
                        .put("webhook-timestamp", Long.toString(timestamp))
                        .put("webhook-signature", WebhookSigner.sign(key.get(), id, timestamp, delivery.payload())))
                .body(new StringRequestContent("application/json", delivery.payload(), StandardCharsets.UTF_8));
        var done = new CompletableFuture<Result>();
        request.send(done::complete); // the answer's body is read and dropped
        try {
            Result result = done.get(TOTAL_TIMEOUT.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            if (result.isFailed()) {
                return outcomeOf(result.getFailure());
            }
            int status = result.getResponse().getStatus();
            return status / 100 == 2 ? new Outcome(true, false, status, null) : Outcome.retry(status, "HTTP " + status);
        } catch (TimeoutException e) {
            request.abort(e);
            return Outcome.retry(null, "timed out");
        } catch (ExecutionException e) {
            return outcomeOf(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            request.abort(e);
            return Outcome.retry(null, "interrupted");
        }
    }

    /** A failed exchange: refused destinations are given up, the rest retried. */
    private static Outcome outcomeOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CheckedAddresses.RefusedDestination) {
                return Outcome.giveUp("the webhook URL does not resolve to a public address");
            }
            if (cause instanceof UnknownHostException) {
                return Outcome.retry(null, "the webhook URL's host does not resolve"); // it may, later
            }
            if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
                return Outcome.retry(null, "timed out");
            }
        }
        return Outcome.retry(null, "could not connect: " + failure.getClass().getSimpleName());
    }

    private void record(WebhookDelivery delivery, Outcome outcome) {
        Instant now = clock.instant();
        metrics.counter("gatehouse_webhook_deliveries", "outcome",
                outcome.delivered() ? "delivered" : outcome.permanent() ? "refused" : "failed").increment();
        database.inTransaction(handle -> {
            if (outcome.delivered()) {
                deliveries.markDelivered(handle, delivery.id(), delivery.attempts(), outcome.status(), now);
            } else {
                Instant next = outcome.permanent() ? null : nextAttempt(delivery, now);
                deliveries.markAttemptFailed(handle, delivery.id(), delivery.attempts(), outcome.status(), outcome.error(),
                        next);
                if (next == null) {
                    log.warn("webhook delivery {} to app {} given up after {} attempts: {}", delivery.id(),
                            delivery.clientId(), delivery.attempts(), outcome.error());
                }
            }
            return null;
        });
    }

    /** Exponential backoff (base × 2^(attempt−1), at most an hour) with jitter; null past the 24-hour window. */
    private Instant nextAttempt(WebhookDelivery delivery, Instant now) {
        double exponential = retryBase.toMillis() * Math.pow(2, Math.min(delivery.attempts() - 1, 20));
        long pause = (long) (Math.min(exponential, MAX_PAUSE.toMillis()) * ThreadLocalRandom.current().nextDouble(0.5, 1.0));
        Instant next = now.plusMillis(pause);
        return next.isAfter(delivery.giveUpAt()) ? null : next;
    }

    private void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops claiming and waits a few seconds for sends in flight; what is unfinished is retried later. */
    @Override
    public void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
        }
        senders.shutdown();
        try {
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            http.stop();
            if (saas != null) {
                saas.http().stop();
            }
        } catch (Exception e) {
            log.warn("webhook HTTP client did not stop cleanly: {}", e.toString());
        }
    }
}
