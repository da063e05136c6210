package gatehouse.tokens;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for access tokens that stand alone (client-credentials service tokens): the request
 * threads queue their rows and wait; flusher threads take whatever is waiting (up to
 * {@code maxBatch}), write it with one multi-row statement and one commit, and only then let the
 * requests answer. A commit costs PostgreSQL an fsync, so one per batch instead of one per token is
 * what lifts the ceiling (docs/architecture.md, "Group commit").
 *
 * <p>A batch is whatever piled up while the previous one was being written: nothing waits on
 * purpose, so a lone request is written at once. When a batch fails, each of its rows is written
 * alone, so every request gets exactly the outcome it would have had without the others; the failed
 * statement stored nothing, so nothing is stored twice.
 */
public final class AccessTokenBatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessTokenBatcher.class);
    /** How often an idle flusher looks whether it should stop. */
    private static final Duration IDLE_CHECK = Duration.ofMillis(100);
    /** How long closing waits for the batches being written (a statement times out after 30 s anyway). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(35);

    private final Database database;
    private final TokenRepository tokens;
    private final GroupCommitSettings settings;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> flushers = new ArrayList<>();
    private final DistributionSummary batchSizes;
    private final Counter failedBatches;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicInteger largestBatch = new AtomicInteger();
    private volatile boolean closed;

    /** A row waiting for its batch, and the request waiting for the row. */
    private record Pending(TokenRepository.NewAccessToken row, CompletableFuture<Void> stored) {
    }

    public AccessTokenBatcher(Database database, TokenRepository tokens, GroupCommitSettings settings,
                              MeterRegistry metrics) {
        this.database = database;
        this.tokens = tokens;
        this.settings = settings;
        this.batchSizes = DistributionSummary.builder("gatehouse_token_batch_size")
                .description("Service tokens written per group commit").publishPercentileHistogram()
                .maximumExpectedValue((double) settings.maxBatch()).register(metrics);
        this.failedBatches = Counter.builder("gatehouse_token_batch_failures")
                .description("Group commits that failed and were retried row by row").register(metrics);
    }

    /** Starts the flushers; until then rows only queue up. */
    public synchronized void start() {
        if (!flushers.isEmpty() || closed) {
            return;
        }
        for (int i = 0; i < settings.flushers(); i++) {
            flushers.add(Thread.ofPlatform().daemon().name("gatehouse-token-flusher-" + i).start(this::flushUntilClosed));
        }
    }

    /**
     * Stores {@code row} with whatever else is waiting, and returns once it is committed. Throws the
     * error its own INSERT would have thrown, or temporarily_unavailable once closing has begun.
     */
    public void store(TokenRepository.NewAccessToken row) {
        var pending = new Pending(row, new CompletableFuture<>());
        if (closed) {
            throw stopping();
        }
        queue.add(pending);
        // close() may have come between the check and the add, after the flushers' last look: take
        // the row back if no one has taken it (a flusher that did will answer it).
        if (closed && queue.remove(pending)) {
            throw stopping();
        }
        awaitStored(pending);
    }

    private static void awaitStored(Pending pending) {
        try {
            pending.stored().join();
        } catch (CompletionException e) {
            // The flusher's exception, as the request's own INSERT would have thrown it.
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private static OAuthException stopping() {
        return OAuthException.of(OAuthError.TEMPORARILY_UNAVAILABLE, "the server is stopping; try again shortly");
    }

    private void flushUntilClosed() {
        var batch = new ArrayList<Pending>(settings.maxBatch());
        while (true) {
            Pending first;
            try {
                first = queue.poll(IDLE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (first == null) {
                if (closed) {
                    return;
                }
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, settings.maxBatch() - 1);
            flush(batch);
            batch.clear();
        }
    }

    /** Writes the batch and answers every request in it; never throws, so the flusher lives on. */
    private void flush(List<Pending> batch) {
        try {
            if (batch.size() == 1) {
                storeAlone(batch.getFirst());
                return;
            }
            storeTogether(batch);
        } catch (Throwable unexpected) {
            log.error("group commit: a batch of {} could not be written", batch.size(), unexpected);
            batch.forEach(pending -> pending.stored().completeExceptionally(unexpected));
        }
    }

    private void storeTogether(List<Pending> batch) {
        try {
            database.withHandle(handle -> {
                tokens.insertAccessTokens(handle, batch.stream().map(Pending::row).toList());
                return null;
            });
        } catch (RuntimeException e) {
            retryEachAlone(batch, e);
            return;
        }
        counted(batch.size());
        batch.forEach(pending -> pending.stored().complete(null));
    }

    /**
     * The statement stored nothing, so each row is written alone and its request gets that outcome:
     * a bad row fails only its own request. Without a connection to be had at all, each alone would
     * have failed the same way, and trying them one by one would only make every request wait longer.
     */
    private void retryEachAlone(List<Pending> batch, RuntimeException batchError) {
        failedBatches.increment();
        log.info("group commit: a batch of {} failed ({}); writing each row alone", batch.size(),
                batchError.getClass().getSimpleName());
        RuntimeException noConnection = isNoConnection(batchError) ? batchError : null;
        for (Pending pending : batch) {
            if (noConnection != null) {
                pending.stored().completeExceptionally(noConnection);
                continue;
            }
            try {
                insertAlone(pending.row());
                pending.stored().complete(null);
            } catch (RuntimeException e) {
                pending.stored().completeExceptionally(e);
                noConnection = isNoConnection(e) ? e : null;
            }
        }
    }

    private void storeAlone(Pending pending) {
        try {
            insertAlone(pending.row());
        } catch (RuntimeException e) {
            pending.stored().completeExceptionally(e);
            return;
        }
        counted(1);
        pending.stored().complete(null);
    }

    private void insertAlone(TokenRepository.NewAccessToken row) {
        database.withHandle(handle -> {
            tokens.insertAccessToken(handle, row);
            return null;
        });
    }

    /** The pool could not hand out a connection in time: the database is out of reach. */
    private static boolean isNoConnection(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    private void counted(int size) {
        batches.incrementAndGet();
        largestBatch.accumulateAndGet(size, Math::max);
        batchSizes.record(size);
    }

    /**
     * Stops taking rows (new ones fail with temporarily_unavailable), writes what is queued, and
     * waits for the batches being written; what is still queued after that fails the same way, so
     * no request is told its token exists unless it was committed.
     */
    @Override
    public void close() {
        closed = true;
        List<Thread> running;
        synchronized (this) {
            running = List.copyOf(flushers);
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Thread flusher : running) {
            try {
                flusher.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        var left = new ArrayList<Pending>();
        queue.drainTo(left);
        left.forEach(pending -> pending.stored().completeExceptionally(stopping()));
        if (!left.isEmpty()) {
            log.warn("group commit: {} tokens were still queued at shutdown and were refused", left.size());
        }
    }

    /** Whether closing has begun (tests issue after it to see the refusal). */
    boolean closing() {
        return closed;
    }

    /** Rows waiting for a flusher (tests wait for a batch to pile up before starting the flushers). */
    int queued() {
        return queue.size();
    }

    /** Batches committed, a row written alone counting as a batch of one. */
    long batches() {
        return batches.get();
    }

    /** The most rows one commit has stored. */
    int largestBatch() {
        return largestBatch.get();
    }
}
