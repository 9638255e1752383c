package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.core.store.StoreUnavailableException;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A store created while Redis is down fails fast, connects in the background once Redis is up, then decides there. */
class DeferredRedisStoreTest {

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final BucketSpec SPEC = BucketSpec.of(Limit.of(3, 1, RefillPeriod.MINUTE));

    @Test
    void failsFastUntilRedisIsUpThenDecidesInRedis() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RedisConnectionSettings settings = HarnessSettings.of(redis).withTimeout(Duration.ofSeconds(2))
                    .withConnectTimeout(Duration.ofMillis(300));
            redis.kill(); // the port stays reserved for the restart
            // The connector blocks until released, so a caller that waited for the attempt would hang here.
            CountDownLatch connectorRuns = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            try (DeferredRedisStore store = new DeferredRedisStore(settings, Duration.ofMillis(200), MicrosClock.MONOTONIC,
                    s -> {
                        connectorRuns.countDown();
                        await(release);
                        return RedisBucketStore.connect(s);
                    })) {
                CompletableFuture<Decision> first = store.tryConsume("k", SPEC, 1).toCompletableFuture();
                // already failed when it is returned: the attempt runs on a thread of its own, never the caller's
                assertThat(first).isCompletedExceptionally();
                Throwable down = catchThrowable(first::get);
                assertThat(down).isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("not connected");
                assertThat(connectorRuns.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(store.describe()).contains("not connected");
                release.countDown(); // let the attempt go on; it succeeds if it reaches the restarted Redis

                redis.restart();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!store.connected() && System.nanoTime() < deadline) {
                    store.ping(); // each call may start an attempt, at most one per 200 ms
                    Thread.sleep(50);
                }
                assertThat(store.connected()).isTrue();
                int allowed = 0;
                for (int i = 0; i < 5; i++) {
                    Decision d = store.tryConsume("k", SPEC, 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
                    allowed += d.allowed() ? 1 : 0;
                }
                assertThat(allowed).isEqualTo(3); // the bucket lives in Redis now: capacity 3, nothing refilled
                assertThat(store.distributed()).isTrue();
            }
        }
    }
}
