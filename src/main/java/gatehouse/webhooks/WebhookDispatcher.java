package gatehouse.webhooks;

import gatehouse.clients.WebhookSecrets;
import gatehouse.clients.WebhookUrls;
import gatehouse.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works the webhook outbox on every node: claims due deliveries (each claim counts the attempt and
 * leases the row, so nodes never make the same attempt), signs and POSTs them, and records the
 * answer. A 2xx is delivered; anything else is retried with exponential backoff and jitter until
 * 24 hours after the event, then given up. A node stopped mid-send leaves its lease to run out, and
 * another node (or this one, restarted) makes the next attempt: at least once, never lost.
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
    private final boolean allowPrivate;
    private final Duration retryBase;
    private final Duration pollInterval;
    private final MeterRegistry metrics;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER) // a redirect could lead anywhere, private addresses included
            .executor(senders)
            .build();
    private volatile boolean running = true;
    private Thread loop;

    public WebhookDispatcher(Database database, WebhookRepository deliveries, WebhookSecrets secrets, Clock clock,
                             boolean allowPrivate, Duration retryBase, Duration pollInterval, MeterRegistry metrics) {
        this.database = database;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.clock = clock;
        this.allowPrivate = allowPrivate;
        this.retryBase = retryBase;
        this.pollInterval = pollInterval;
        this.metrics = metrics;
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
        String url = database.withHandle(handle -> deliveries.webhookUrl(handle, delivery.clientId()));
        Optional<byte[]> key = database.withHandle(handle -> secrets.signingKey(handle, delivery.clientId()));
        if (url == null || key.isEmpty()) {
            return Outcome.giveUp("the app has no webhook URL or secret");
        }
        URI uri = URI.create(url);
        if (!allowPrivate) {
            Destination destination = destinationOf(uri.getHost());
            if (destination == Destination.UNRESOLVED) {
                return Outcome.retry(null, "the webhook URL's host does not resolve");
            }
            if (destination == Destination.INTERNAL) {
                return Outcome.giveUp("the webhook URL does not resolve to a public address");
            }
        }
        long timestamp = clock.instant().getEpochSecond();
        String id = delivery.id().toString();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(ANSWER_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Gatehouse-Webhooks/1")
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSigner.sign(key.get(), id, timestamp, delivery.payload()))
                .POST(HttpRequest.BodyPublishers.ofString(delivery.payload()))
                .build();
        try {
            // A bound on the whole exchange, body included: the request timeout alone ends once
            // headers arrive, and a receiver trickling its body must not hold this node's sender.
            int status = http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .orTimeout(TOTAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get().statusCode();
            return status / 100 == 2 ? new Outcome(true, false, status, null) : Outcome.retry(status, "HTTP " + status);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.util.concurrent.TimeoutException || cause instanceof java.net.http.HttpTimeoutException) {
                return Outcome.retry(null, "timed out");
            }
            return Outcome.retry(null, "could not connect: " + cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.retry(null, "interrupted");
        }
    }

    private enum Destination { PUBLIC, INTERNAL, UNRESOLVED }

    /**
     * Every address the name has must be public (a name could mix one public and one internal
     * address). A name that does not resolve may resolve later: that attempt is retried.
     */
    private static Destination destinationOf(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!WebhookUrls.isPublic(address)) {
                    return Destination.INTERNAL;
                }
            }
            return addresses.length > 0 ? Destination.PUBLIC : Destination.UNRESOLVED;
        } catch (UnknownHostException e) {
            return Destination.UNRESOLVED;
        }
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
        http.close();
    }
}
