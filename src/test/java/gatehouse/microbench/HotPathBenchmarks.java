package gatehouse.microbench;

import gatehouse.oauth.TokenResponse;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.web.Json;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The pieces every token request and introspection pays for, one by one: making a token string,
 * checking its checksum, hashing it for storage or lookup (SHA-256), and writing the token
 * response. Run with {@code bench/jmh} (BENCHMARKS.md, "Micro-benchmarks"); never part of the tests.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmarks {
    private final TokenCodec codec = new TokenCodec("gh", new SecureRandom());
    private final String token = codec.generate(TokenKind.ACCESS_TOKEN);
    private final TokenResponse response = new TokenResponse(token, "Bearer", 3600, null, "repo:read repo:write",
            UUID.randomUUID(), "app", null);

    @Benchmark
    public String generateAccessToken() {
        return codec.generate(TokenKind.ACCESS_TOKEN);
    }

    @Benchmark
    public boolean checkTokenChecksum() {
        return codec.isWellFormed(TokenKind.ACCESS_TOKEN, token);
    }

    @Benchmark
    public byte[] hashTokenSha256() {
        return TokenCodec.hash(token);
    }

    @Benchmark
    public byte[] writeTokenResponseJson() {
        return Json.write(response.members());
    }
}
