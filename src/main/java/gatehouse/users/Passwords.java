package gatehouse.users;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Argon2id password hashing (OWASP's minimum: 19 MiB, 2 passes, 1 lane). Slow on purpose, so it is
 * never on a hot path: only login, registration and the password grant use it.
 */
public final class Passwords {
    public static final int MIN_LENGTH = 10;
    public static final int MAX_LENGTH = 256;

    private static final int CORES = Math.max(1, Runtime.getRuntime().availableProcessors());
    /**
     * Argon2 runs on a few platform threads, one per core: requests wait for it on their virtual
     * threads without holding a carrier, so a burst of logins cannot starve every other request.
     * At most 20 hashes per core wait their turn — about a second of hashing (one takes ~50 ms), so
     * an ordinary burst of sign-ins is served; past that, login, registration and the password grant
     * answer 503 at once, rather than queueing work (and memory, and waiting requests) without
     * bound. Replaced only by {@link #useHashingPool} (a test seam).
     */
    private static volatile ThreadPoolExecutor hashing = hashingPool(CORES, 20 * CORES);

    /**
     * The Argon2id function and the dummy hash, made on first use rather than at start: password4j
     * keeps a 19 MiB template of the memory blocks for as long as the function lives, and making the
     * dummy hash on a cold JVM takes a good part of a second (BENCHMARKS.md, "Start"), which a server
     * that only issues tokens to apps never needs.
     */
    private static final class Argon2id {
        static final Argon2Function FUNCTION = Argon2Function.getInstance(19_456, 2, 1, 32, Argon2.ID, 19);
        /**
         * Verified against when the user does not exist, so both paths take the same time. Computed
         * in this class's initialization on the caller's thread, not on the hashing threads: they
         * would wait for that initialization to finish.
         */
        static final String DUMMY_HASH =
                Password.hash("gatehouse-timing-equalizer").addRandomSalt(16).with(FUNCTION).getResult();
    }

    private Passwords() {
    }

    public static String hash(String password) {
        return onHashingThreads(() -> Password.hash(password).addRandomSalt(16).with(Argon2id.FUNCTION).getResult());
    }

    public static boolean verify(String password, String hash) {
        return onHashingThreads(() -> Password.check(password, hash).with(Argon2id.FUNCTION));
    }

    private static <T> T onHashingThreads(Callable<T> work) {
        Future<T> result;
        try {
            result = hashing.submit(work);
        } catch (RejectedExecutionException e) {
            // Answered 503 with Retry-After (ErrorHandler), like any temporarily_unavailable.
            throw OAuthException.of(OAuthError.TEMPORARILY_UNAVAILABLE, "too many sign-ins at once; try again shortly");
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing a password", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("password hashing failed", e.getCause());
        }
    }

    private static ThreadPoolExecutor hashingPool(int threads, int waiting) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(waiting),
                Thread.ofPlatform().daemon().name("gatehouse-argon2-", 0).factory(), new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Test seam: hashes run on {@code threads} threads with at most {@code waiting} queued until the
     * returned handle is closed, which restores the usual pool. The pool is shared by every server
     * in this JVM.
     */
    static AutoCloseable useHashingPool(int threads, int waiting) {
        ThreadPoolExecutor previous = hashing;
        ThreadPoolExecutor replacement = hashingPool(threads, waiting);
        hashing = replacement;
        return () -> {
            hashing = previous;
            replacement.shutdown();
        };
    }

    /**
     * Test seam: a pool of {@code threads} threads and {@code waiting} queue slots, every one of them
     * taken by a task that blocks until the returned handle is closed; meanwhile every hash is refused
     * as if the queue were full.
     */
    static AutoCloseable occupyHashingPool(int threads, int waiting) {
        AutoCloseable pool = useHashingPool(threads, waiting);
        var release = new CountDownLatch(1);
        for (int i = 0; i < threads + waiting; i++) {
            hashing.submit(() -> {
                release.await();
                return null;
            });
        }
        return () -> {
            release.countDown();
            pool.close();
        };
    }

    /** Spends the time a real verification would, for an account that does not exist. */
    public static void verifyDummy(String password) {
        verify(password, Argon2id.DUMMY_HASH);
    }

    /** The policy of docs/http.md, "The management API", as a message, or null when the password is acceptable. */
    public static String policyViolation(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            return "password must be at least " + MIN_LENGTH + " characters";
        }
        if (password.length() > MAX_LENGTH) {
            return "password must be at most " + MAX_LENGTH + " characters";
        }
        if (CommonPasswords.SET.contains(password.toLowerCase(Locale.ROOT))) {
            return "password is too common; choose one that is not on lists of leaked passwords";
        }
        return null;
    }

    /**
     * The ~49,000 most common passwords (zxcvbn's ranked list, shipped as a resource). Only those
     * long enough to pass the length rule are kept in memory; loaded on first use.
     */
    private static final class CommonPasswords {
        static final Set<String> SET = load();

        private static Set<String> load() {
            try (InputStream in = Passwords.class.getResourceAsStream("/common-passwords.txt")) {
                if (in == null) {
                    throw new IllegalStateException("common-passwords.txt is missing from the jar");
                }
                var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                return reader.lines()
                        .filter(line -> line.length() >= MIN_LENGTH)
                        .map(line -> line.toLowerCase(Locale.ROOT))
                        .collect(Collectors.toUnmodifiableSet());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
