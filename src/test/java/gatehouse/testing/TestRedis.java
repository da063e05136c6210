package gatehouse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import redis.embedded.RedisServer;

/**
 * The Redis the shared-rate-limit tests use: the one at GATEHOUSE_TEST_REDIS_URL, or an embedded
 * redis-server started once per test run when that is unset. Tests keep apart by giving each
 * Gatehouse they start a key prefix of their own.
 */
public final class TestRedis {
    private static String url;

    private TestRedis() {
    }

    public static synchronized String url() {
        if (url == null) {
            String configured = System.getenv("GATEHOUSE_TEST_REDIS_URL");
            url = configured == null || configured.isBlank() ? embedded() : configured.trim();
        }
        return url;
    }

    public static String host() {
        return URI.create(url()).getHost();
    }

    public static int port() {
        int port = URI.create(url()).getPort();
        return port < 0 ? 6379 : port;
    }

    private static String embedded() {
        try {
            int port;
            try (var socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no").build();
            redis.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    redis.stop();
                } catch (IOException ignored) {
                    // the JVM is going away either way
                }
            }));
            return "redis://127.0.0.1:" + port;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start an embedded Redis for the tests", e);
        }
    }
}
