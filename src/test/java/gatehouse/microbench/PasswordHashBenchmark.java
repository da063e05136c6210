package gatehouse.microbench;

import gatehouse.users.Passwords;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Argon2id for users' passwords, measured beside the SHA-256 of {@link HotPathBenchmarks}: why no
 * token, client secret or session is ever hashed this way on a hot path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PasswordHashBenchmark {
    private final String stored = Passwords.hash("correct horse battery staple");

    @Benchmark
    public boolean verifyPasswordArgon2id() {
        return Passwords.verify("correct horse battery staple", stored);
    }
}
