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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A store created while Redis is down fails fast, connects in the background once Redis is up, then decides there. */
class DeferredRedisStoreTest {

    private static final BucketSpec SPEC = BucketSpec.of(Limit.of(3, 1, RefillPeriod.MINUTE));

    @Test
    void failsFastUntilRedisIsUpThenDecidesInRedis() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RedisConnectionSettings settings = HarnessSettings.of(redis).withTimeout(Duration.ofSeconds(2))
                    .withConnectTimeout(Duration.ofMillis(300));
            redis.kill(); // the port stays reserved for the restart
            try (DeferredRedisStore store = new DeferredRedisStore(settings, Duration.ofMillis(200), MicrosClock.MONOTONIC)) {
                long start = System.nanoTime();
                Throwable down = catchThrowable(() -> store.tryConsume("k", SPEC, 1).toCompletableFuture().get());
                assertThat(down).isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("not connected");
                // the caller never waits for the connection attempt, which runs on a thread of its own
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(250);
                assertThat(store.describe()).contains("not connected");

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
