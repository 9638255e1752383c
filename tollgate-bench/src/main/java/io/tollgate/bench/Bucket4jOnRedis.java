package io.tollgate.bench;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Bucket4j's Lettuce compare-and-swap proxy manager on one connection, as an application would set it up: byte[]
 * codec, {@code asAsync()}, buckets that expire 10 s after they would be full again.
 */
final class Bucket4jOnRedis implements AutoCloseable {

    /** The rule of the side-by-side cases: capacity 20, greedy refill 5 per second. */
    static final BucketConfiguration RULE = BucketConfiguration.builder()
            .addLimit(l -> l.capacity(20).refillGreedy(5, Duration.ofSeconds(1)))
            .build();
    /** The rule of case (a): capacity 100, greedy refill 100 per second (see {@code RedisBench.ALLOWED}). */
    static final BucketConfiguration ALLOWED = BucketConfiguration.builder()
            .addLimit(l -> l.capacity(100).refillGreedy(100, Duration.ofSeconds(1)))
            .build();
    /** The hot global limit of the lease rows. */
    static final BucketConfiguration GLOBAL = BucketConfiguration.builder()
            .addLimit(l -> l.capacity(1_000_000).refillGreedy(200_000, Duration.ofSeconds(1)))
            .build();

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final AsyncProxyManager<byte[]> manager;

    Bucket4jOnRedis(StatefulRedisConnection<byte[], byte[]> connection) {
        this.connection = connection;
        this.manager = LettuceBasedProxyManager.builderFor(connection)
                .withExpirationStrategy(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build()
                .asAsync();
    }

    /** One proxy per key, named {@code b4j:<key>}. */
    AsyncBucketProxy[] proxies(String[] keys, BucketConfiguration config) {
        AsyncBucketProxy[] p = new AsyncBucketProxy[keys.length];
        for (int i = 0; i < keys.length; i++) {
            p[i] = proxy("b4j:" + keys[i], config);
        }
        return p;
    }

    AsyncBucketProxy proxy(String redisKey, BucketConfiguration config) {
        CompletableFuture<BucketConfiguration> c = CompletableFuture.completedFuture(config);
        return manager.builder().build(redisKey.getBytes(StandardCharsets.UTF_8), () -> c);
    }

    /** {@code tryConsume(1)} round-robin over {@code proxies}, {@link RedisBench#WINDOW} in flight. */
    static AsyncWindow.Result run(AsyncBucketProxy[] proxies, long millis, long maxCalls) throws InterruptedException {
        int n = proxies.length;
        return AsyncWindow.run(RedisBench.WINDOW, millis, maxCalls, i -> proxies[(int) (i % n)].tryConsume(1), b -> b);
    }

    /** One {@code tryConsume(1)} at a time, round-robin over {@code proxies}. */
    static IdleLatency.Result idle(AsyncBucketProxy[] proxies, long maxCalls, long millis)
            throws InterruptedException {
        int n = proxies.length;
        return IdleLatency.run(i -> proxies[(int) (i % n)].tryConsume(1), maxCalls, millis);
    }

    @Override
    public void close() {
        connection.close();
    }
}
