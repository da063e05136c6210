package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A lockout against guessing: a budget of failures per subject and client IP together, and a larger
 * one per client IP whatever the subject, each refilled every 15 minutes. It guards the login
 * (docs/http.md, "The management API"; the subject is the subject as typed, so an unknown account
 * is locked exactly like a real one — no enumeration) and the device page's user codes (the
 * subject is the signed-in user). Only
 * failures spend them; while either budget is empty every attempt is refused with 429, even one
 * with the right password. Keying the account's budget by IP too means nobody can lock a named
 * account (the bootstrap admin's, say) from their own address: its owner still signs in from
 * theirs. The buckets live in a {@link BucketStore}, so with Redis a guessing run spread over
 * several nodes meets one budget.
 */
public final class GuessThrottle {
    static final Duration WINDOW = Duration.ofMinutes(15);

    private final String name;
    private final String failures;
    private final boolean subjectPerIp;
    private final boolean enabled;
    private final BucketStore store;
    private final BucketConfiguration perSubjectAndIp;
    private final BucketConfiguration perIp;
    private final OncePerPeriod reported = new OncePerPeriod();

    /** Logins: GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT per (account, IP), _PER_IP per IP. */
    public static GuessThrottle logins(boolean enabled, int perSubjectAndIp, int perIp, BucketStore store) {
        return new GuessThrottle("login", "failed logins", true, enabled, perSubjectAndIp, perIp, store);
    }

    /**
     * User codes at /device: GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_USER per signed-in user
     * (whatever the address: the user is known, and changing addresses must not buy guesses), _PER_IP
     * per IP.
     */
    public static GuessThrottle userCodes(boolean enabled, int perUser, int perIp, BucketStore store) {
        return new GuessThrottle("user-code", "wrong codes", false, enabled, perUser, perIp, store);
    }

    /**
     * @param name         what the buckets are keyed under
     * @param failures     what is counted, for the refusal's message
     * @param subjectPerIp whether a subject's budget is kept per IP (logins: so nobody locks another's
     *                     account from their own address) or one for the subject wherever it is
     */
    private GuessThrottle(String name, String failures, boolean subjectPerIp, boolean enabled, int perSubjectAndIp,
                          int perIp, BucketStore store) {
        this.name = name;
        this.failures = failures;
        this.subjectPerIp = subjectPerIp;
        this.enabled = enabled;
        this.store = store;
        this.perSubjectAndIp = configuration(perSubjectAndIp);
        this.perIp = configuration(perIp);
    }

    /**
     * Refuses with 429 and Retry-After when the failures of this subject from this IP, or of this
     * IP over all subjects, are used up.
     * {@code onFirstRefusal} runs once per lockout period and (subject, IP) on this node (to audit
     * it), not per attempt: a locked attempt costs no hashing, so a flood of them must not turn into
     * a flood of writes.
     */
    public void checkAllowed(String subject, String ip, Runnable onFirstRefusal) {
        if (!enabled) {
            return;
        }
        long wait = Math.max(waitSeconds(pairKey(subject, ip), perSubjectAndIp), waitSeconds(ipKey(ip), perIp));
        if (wait > 0) {
            if (reported.first(pairKey(subject, ip), wait)) {
                onFirstRefusal.run();
            }
            throw OAuthException.rateLimited("too many " + failures + "; try again later", wait);
        }
    }

    /** Spends one failure of the (account, IP) pair's budget and one of the IP's. */
    public void recordFailure(String subject, String ip) {
        if (!enabled) {
            return;
        }
        store.apply(pairKey(subject, ip), perSubjectAndIp, bucket -> bucket.tryConsume(1));
        store.apply(ipKey(ip), perIp, bucket -> bucket.tryConsume(1));
    }

    /**
     * Spends one guess before it is checked, refusing with 429 (and spending nothing) when either
     * budget is empty: guesses sent in parallel cannot all pass a check before any failure is
     * counted. A guess that proves right is given back ({@link #refund}). {@code onFirstRefusal}
     * runs once per lockout period and (subject, IP) on this node, to audit it.
     */
    public void spendGuess(String subject, String ip, Runnable onFirstRefusal) {
        if (!enabled) {
            return;
        }
        long subjectWait = consumeOrWait(pairKey(subject, ip), perSubjectAndIp);
        if (subjectWait > 0) {
            throw refused(subject, ip, subjectWait, onFirstRefusal);
        }
        long ipWait = consumeOrWait(ipKey(ip), perIp);
        if (ipWait > 0) {
            store.apply(pairKey(subject, ip), perSubjectAndIp, bucket -> {
                bucket.addTokens(1);
                return null;
            });
            throw refused(subject, ip, ipWait, onFirstRefusal);
        }
    }

    private OAuthException refused(String subject, String ip, long wait, Runnable onFirstRefusal) {
        if (reported.first(pairKey(subject, ip), wait)) {
            onFirstRefusal.run();
        }
        return OAuthException.rateLimited("too many " + failures + "; try again later", wait);
    }

    /** Gives back a guess {@link #spendGuess} took: it was right. */
    public void refund(String subject, String ip) {
        if (!enabled) {
            return;
        }
        for (var key : List.of(pairKey(subject, ip), ipKey(ip))) {
            store.apply(key, key.equals(ipKey(ip)) ? perIp : perSubjectAndIp, bucket -> {
                bucket.addTokens(1);
                return null;
            });
        }
    }

    /** Takes one from the bucket: 0 when it could, else the seconds until it can. */
    private long consumeOrWait(String key, BucketConfiguration configuration) {
        long nanos = store.apply(key, configuration, bucket -> {
            var probe = bucket.tryConsumeAndReturnRemaining(1);
            return probe.isConsumed() ? 0L : probe.getNanosToWaitForRefill();
        });
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos) + 1;
    }

    private long waitSeconds(String key, BucketConfiguration configuration) {
        long nanos = store.apply(key, configuration, GuessThrottle::nanosUntilOneFailureAllowed);
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos) + 1;
    }

    private static long nanosUntilOneFailureAllowed(Bucket bucket) {
        var probe = bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? 0 : probe.getNanosToWaitForRefill();
    }

    private static BucketConfiguration configuration(int failures) {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(failures).refillIntervally(failures, WINDOW).build())
                .build();
    }

    private String pairKey(String subject, String ip) {
        return name + "-subject|" + (subject == null ? "" : subject.trim().toLowerCase(Locale.ROOT))
                + (subjectPerIp ? "|" + ClientAddress.of(ip) : "");
    }

    private String ipKey(String ip) {
        return name + "-ip|" + ClientAddress.of(ip);
    }
}
