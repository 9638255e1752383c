package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.testsupport.redis.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two stores (two clients, as two application instances would have) hammer one bucket. */
class RedisConcurrencyTest {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    @Test
    void neverAdmitsMoreThanCapacityPlusRefill() throws InterruptedException {
        BucketSpec spec = BucketSpec.of(Limit.of(50, 100, RefillPeriod.SECOND));
        RedisConnectionSettings settings = HarnessSettings.of(REDIS).withTimeout(Duration.ofSeconds(2));
        AtomicLong admitted = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        try (RedisBucketStore a = RedisBucketStore.connect(settings);
             RedisBucketStore b = RedisBucketStore.connect(settings)) {
            // connect first so connection setup does not count as elapsed time
            a.ping().toCompletableFuture().join();
            b.ping().toCompletableFuture().join();
            List<Thread> threads = new ArrayList<>();
            long runNanos = TimeUnit.SECONDS.toNanos(2);
            long start = System.nanoTime();
            for (int i = 0; i < 16; i++) {
                RedisBucketStore s = i % 2 == 0 ? a : b;
                Thread t = new Thread(() -> {
                    while (System.nanoTime() - start < runNanos) {
                        try {
                            if (s.tryConsume("hot", spec, 1).toCompletableFuture().join().allowed()) {
                                admitted.incrementAndGet();
                            }
                            calls.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(10_000);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            assertThat(errors.get()).isZero();
            assertThat(calls.get()).as("load must exceed the rate").isGreaterThan(400);
            assertThat(admitted.get()).isLessThanOrEqualTo(50 + (long) Math.ceil(100 * elapsed));
            // under constant pressure most tokens are handed out; half the refill leaves room for a loaded machine
            assertThat(admitted.get()).isGreaterThanOrEqualTo(50 + (long) (100 * 2.0 * 0.5));
        }
    }
}
