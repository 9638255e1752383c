package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.CountingBucketStore;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two leasing instances on one real Redis: never over-admit, under-admit at most the documented bound. */
class LeasingOnRedisTest {

    private static RedisServer redis;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }


    @Test
    void twoInstancesNeverOverAdmit() throws Exception {
        BucketSpec spec = BucketSpec.of(Limit.of(2000, 1000, RefillPeriod.SECOND));
        Duration ttl = Duration.ofSeconds(1);
        var settings = HarnessSettings.of(redis).withTimeout(Duration.ofSeconds(2));
        try (CountingBucketStore g1 = new CountingBucketStore(RedisBucketStore.connect(settings));
             CountingBucketStore g2 = new CountingBucketStore(RedisBucketStore.connect(settings));
             LeasingBucketStore a = new LeasingBucketStore(g1, k -> true, MicrosClock.SYSTEM, ttl);
             LeasingBucketStore b = new LeasingBucketStore(g2, k -> true, MicrosClock.SYSTEM, ttl)) {
            Driven[] results = new Driven[2];
            long start = System.nanoTime();
            Thread ta = new Thread(() -> results[0] = drive(a, spec));
            Thread tb = new Thread(() -> results[1] = drive(b, spec));
            ta.start();
            tb.start();
            ta.join(30_000);
            tb.join(30_000);
            double elapsedSeconds = (System.nanoTime() - start) / 1e9;
            long admitted = results[0].allowed() + results[1].allowed();
            long granted = g1.granted.get() + g2.granted.get();
            long maxBatch = LeasingBucketStore.maxBatch(spec);
            // Never over-admit: the store granted at most capacity + rate x elapsed, and nothing beyond it was admitted.
            assertThat(granted).isLessThanOrEqualTo(2000 + (long) Math.ceil(1000 * elapsedSeconds));
            assertThat(admitted).isLessThanOrEqualTo(granted);
            // Under-admission bound: at most one batch per instance per lease TTL, plus the batch held.
            long perInstance = maxBatch * ((long) (elapsedSeconds / 1.0) + 2);
            assertThat(admitted).isGreaterThanOrEqualTo(granted - 2 * perInstance);
            // Demand far exceeded supply, so the bucket was actually exercised.
            assertThat(results[0].completed() + results[1].completed()).isGreaterThan(admitted);
            assertThat(results[0].errors() + results[1].errors()).isZero();
        }
    }

    /** What one instance's driver saw. */
    private record Driven(long completed, long allowed, long errors) {
    }

    /** 32 decisions in flight for 1.5 s (at most 2 million), like a busy instance; every call is waited for. */
    private static Driven drive(BucketStore store, BucketSpec spec) {
        Semaphore inFlight = new Semaphore(32);
        LongAdder completed = new LongAdder();
        LongAdder allowed = new LongAdder();
        LongAdder errors = new LongAdder();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        try {
            for (int i = 0; i < 2_000_000 && System.nanoTime() < deadline; i++) {
                if (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("32 decisions outstanding for 1 s");
                }
                store.tryConsume("global", spec, 1).whenComplete((d, e) -> {
                    if (e != null) {
                        errors.increment();
                    } else if (d.allowed()) {
                        allowed.increment();
                    }
                    completed.increment();
                    inFlight.release();
                });
            }
            if (!inFlight.tryAcquire(32, 30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("decisions still outstanding 30 s after the run");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new Driven(completed.sum(), allowed.sum(), errors.sum());
    }
}
