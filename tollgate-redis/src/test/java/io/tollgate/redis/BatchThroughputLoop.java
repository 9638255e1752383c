package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A rough local throughput loop (not a benchmark): 256 decisions in flight on one store over 10 000 keys, batched at
 * several sizes and unbatched. Run with {@code -Dtollgate.batchLoop=true}.
 */
@EnabledIfSystemProperty(named = "tollgate.batchLoop", matches = "true")
class BatchThroughputLoop {

    static final BucketSpec RULE = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));

    @Test
    void loop() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            for (int pass = 0; pass < 2; pass++) {
                for (int b : new int[] {0, 32, 64, 128}) {
                    RedisConnectionSettings.Builder s = HarnessSettings.of(server).toBuilder()
                            .timeout(Duration.ofSeconds(2));
                    s = b == 0 ? s.batching(false) : s.batchSize(b);
                    try (RedisBucketStore store = RedisBucketStore.connect(s.build())) {
                        double rate = run(store, pass == 0 ? 1 : 3);
                        System.out.printf("loop pass %d %s: %.0f decisions/s%n", pass, b == 0 ? "unbatched"
                                : "B=" + b, rate);
                    }
                }
            }
        }
    }

    static double run(RedisBucketStore store, int seconds) throws InterruptedException {
        Semaphore window = new Semaphore(256);
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        long i = 0;
        while (System.nanoTime() < end) {
            window.acquire();
            store.tryConsume("k" + (i++ % 10_000), RULE, 1).whenComplete((d, e) -> {
                done.incrementAndGet();
                window.release();
            });
        }
        window.acquire(256);
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }
}
