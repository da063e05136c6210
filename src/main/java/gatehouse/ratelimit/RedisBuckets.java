package gatehouse.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in Redis (Bucket4j's Lettuce proxy manager), so every node spends one shared budget.
 * Redis is never allowed to take Gatehouse down with it: commands time out after half a second,
 * fail at once while the connection is down, and after a failure this node counts on its own
 * ({@link LocalBuckets}) for a few seconds before trying Redis again. Lettuce reconnects by
 * itself; a Redis that is not there at startup is retried in the background.
 */
public final class RedisBuckets implements BucketStore {
    private static final Logger log = LoggerFactory.getLogger(RedisBuckets.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    /** How long a full bucket stays in Redis after it has refilled; a missing bucket is a full one. */
    private static final Duration KEEP_FULL = Duration.ofSeconds(10);

    static {
        // Netty (under Lettuce) would use sun.misc.Unsafe, which JDK 24+ warns about on stderr at
        // startup; the few small Redis commands here do not need its speed.
        if (System.getProperty("io.netty.noUnsafe") == null) {
            System.setProperty("io.netty.noUnsafe", "true");
        }
    }

    private final RedisClient client;
    private final String keyPrefix;
    private final LocalBuckets fallback = new LocalBuckets();
    private final AtomicBoolean degraded = new AtomicBoolean(false);
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile ProxyManager<byte[]> proxies;
    /** Until when (System.nanoTime()) this node counts alone after a Redis failure. */
    private volatile long localUntil = System.nanoTime();
    private volatile boolean closed;

    public RedisBuckets(String url, String keyPrefix) {
        this.keyPrefix = keyPrefix;
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(COMMAND_TIMEOUT);
        this.client = RedisClient.create(ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.constant(RETRY_DELAY))
                .build(), uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .build());
        if (!connect()) {
            Thread.ofVirtual().name("redis-connect").start(this::connectUntilDone);
        }
    }

    @Override
    public <T> T apply(String key, BucketConfiguration configuration, Function<Bucket, T> operation) {
        ProxyManager<byte[]> remote = proxies;
        if (remote != null && System.nanoTime() - localUntil >= 0) {
            try {
                T result = operation.apply(remote.getProxy(redisKey(key), () -> configuration));
                if (degraded.compareAndSet(true, false)) {
                    log.info("Redis is back: rate limits are shared by every node again");
                }
                return result;
            } catch (RuntimeException e) {
                countLocallyForAWhile(e);
            }
        }
        return fallback.apply(key, configuration, operation);
    }

    @Override
    public String health() {
        StatefulRedisConnection<byte[], byte[]> current = connection;
        if (current == null || !current.isOpen()) {
            return "degraded";
        }
        try {
            current.async().ping().toCompletableFuture().get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return "ok";
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return "degraded";
        }
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<byte[], byte[]> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        client.getResources().shutdown(0, 2, TimeUnit.SECONDS);
        fallback.close();
    }

    private void countLocallyForAWhile(RuntimeException e) {
        localUntil = System.nanoTime() + RETRY_DELAY.toNanos();
        if (degraded.compareAndSet(false, true)) {
            log.warn("Redis does not answer ({}): rate limits are counted on this node until it is back",
                    e.getClass().getSimpleName());
        }
    }

    private boolean connect() {
        try {
            StatefulRedisConnection<byte[], byte[]> opened = client.connect(ByteArrayCodec.INSTANCE);
            this.connection = opened;
            this.proxies = Bucket4jLettuce.casBasedBuilder(opened)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_FULL))
                    .requestTimeout(COMMAND_TIMEOUT)
                    .build();
            if (degraded.compareAndSet(true, false)) {
                log.info("Redis is reachable: rate limits are shared by every node");
            }
            return true;
        } catch (RuntimeException e) {
            if (degraded.compareAndSet(false, true)) {
                log.warn("Redis is not reachable ({}): rate limits are counted on this node until it is",
                        e.getClass().getSimpleName());
            }
            return false;
        }
    }

    private void connectUntilDone() {
        while (!closed && !connect()) {
            try {
                Thread.sleep(RETRY_DELAY);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * {@code <prefix>rate:<limit>:<hash>}: the limit stays readable for an operator, the rest (a
     * username, an IP, an app) is hashed so Redis holds no personal data.
     */
    private byte[] redisKey(String key) {
        int bar = key.indexOf('|');
        String limit = bar < 0 ? "" : key.substring(0, bar);
        return (keyPrefix + "rate:" + limit + ":" + sha256(key)).getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
