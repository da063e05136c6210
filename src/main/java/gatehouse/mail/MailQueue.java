package gatehouse.mail;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends emails off the request thread: a slow or dead SMTP server never delays an answer, and an
 * answer never reveals by its timing whether an email was sent (password reset answers 202 either
 * way). A failed send is retried a few times with growing pauses, then given up with a log line;
 * the user can ask for another link.
 */
public final class MailQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MailQueue.class);
    private static final int ATTEMPTS = 4;
    private static final int QUEUE_CAPACITY = 1_000;

    private final Mailer mailer;
    private final Duration firstPause;
    /**
     * Four platform threads and a bounded queue: a flood of "send me a link" requests cannot turn into
     * unbounded threads all waiting for a database connection, and SMTP I/O (which holds monitors
     * in the mail library) never pins the carriers that request threads run on. Past the queue,
     * tasks are dropped with a log line; the answer was 202 either way.
     */
    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(4, 4, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY), Thread.ofPlatform().daemon().name("gatehouse-mail-", 0).factory());

    public MailQueue(Mailer mailer, Duration firstPause) {
        this.mailer = mailer;
        this.firstPause = firstPause;
    }

    /** Queues {@code email}; returns at once. */
    public void send(Email email) {
        submit(() -> deliver(email));
    }

    /** Runs {@code task} (which may send email) in the background, logging what it throws. */
    public void submit(Runnable task) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("background email task failed: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn(executor.isShutdown() ? "shutting down: an email task was dropped"
                    : "email queue full ({} waiting): an email task was dropped", QUEUE_CAPACITY);
        }
    }

    private void deliver(Email email) {
        long pause = firstPause.toMillis();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                mailer.send(email);
                log.info("email '{}' sent to {}", email.subject(), email.to());
                return;
            } catch (Exception e) {
                log.warn("sending email '{}' to {} failed (attempt {} of {}): {}", email.subject(), email.to(),
                        attempt, ATTEMPTS, e.getMessage());
            }
            if (attempt < ATTEMPTS && !sleep(pause)) {
                return;
            }
            pause *= 4;
        }
        log.error("gave up sending email '{}' to {}", email.subject(), email.to());
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits a little for emails being sent, then stops; emails waiting for a retry are given up. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }
}
