package io.tollgate.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryBucketStoreTest {

    @Test
    void theReferenceStoreKeepsFullBucketsThatThePeriodicSweepDrops() {
        BucketSpec spec = BucketSpec.of(Limit.of(1, 1, RefillPeriod.SECOND));
        InMemoryBucketStore sweepingEveryCall = new InMemoryBucketStore(MicrosClock.SYSTEM, 1000, 1);
        InMemoryBucketStore reference = ReferenceBucketStore.keepingEveryBucket(1000);
        for (InMemoryBucketStore store : new InMemoryBucketStore[] {sweepingEveryCall, reference}) {
            store.decide("a", spec, 1, 0);
            store.decide("b", spec, 1, 10_000_000);
            store.decide("b", spec, 1, 20_000_000); // both full again by now; a lookup of an existing cell may sweep
        }
        assertThat(sweepingEveryCall.size()).as("a swept, b swept and made again").isEqualTo(1);
        assertThat(reference.size()).isEqualTo(2);
    }

    private static final BucketSpec SEED = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
    private final ManualClock clock = new ManualClock(1_700_000_000_000_000L);
    private final InMemoryBucketStore store = new InMemoryBucketStore(clock, 1000);

    private Decision take(String key, BucketSpec spec, long cost) {
        return store.tryConsume(key, spec, cost).toCompletableFuture().join();
    }

    @Test
    void seedRuleAllowsTwentyOfThirtyInstantRequests() {
        int allowed = 0;
        for (int i = 0; i < 30; i++) {
            if (take("default:ip:1.2.3.4", SEED, 1).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void refillsOverTime() {
        for (int i = 0; i < 20; i++) {
            take("k", SEED, 1);
        }
        Decision denied = take("k", SEED, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterMicros()).isEqualTo(200_000);
        clock.advanceMillis(199);
        assertThat(take("k", SEED, 1).allowed()).isFalse();
        clock.advanceMillis(1);
        assertThat(take("k", SEED, 1).allowed()).isTrue();
        clock.advanceMillis(1_000);
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += take("k", SEED, 1).allowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(5);
    }

    @Test
    void costAboveOneAndAboveCapacity() {
        assertThat(take("c", SEED, 15).allowed()).isTrue();
        Decision d = take("c", SEED, 6);
        assertThat(d.allowed()).isFalse();
        assertThat(d.remaining()).isEqualTo(5);
        assertThat(take("c", SEED, 5).allowed()).isTrue();
        Decision never = take("c", SEED, 21);
        assertThat(never.reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_CAPACITY);
    }

    @Test
    void multipleLimitsAreAllOrNothing() {
        BucketSpec spec = BucketSpec.of(Limit.of(5, 5, RefillPeriod.SECOND), Limit.of(7, 7, RefillPeriod.HOUR));
        int allowed = 0;
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 10; i++) {
                allowed += take("m", spec, 1).allowed() ? 1 : 0;
            }
            clock.advanceMillis(1_000);
        }
        // The hourly limit of 7 binds long before the per-second one runs dry again.
        assertThat(allowed).isEqualTo(7);
        Decision d = take("m", spec, 1);
        assertThat(d.remaining(0)).isEqualTo(5);
        assertThat(d.remaining(1)).isZero();
    }

    @Test
    void changedSpecGetsItsOwnBucket() {
        for (int i = 0; i < 20; i++) {
            take("x", SEED, 1);
        }
        BucketSpec bigger = BucketSpec.of(Limit.of(50, 10, RefillPeriod.SECOND));
        assertThat(take("x", bigger, 1).allowed()).isTrue();
    }

    @Test
    void idleBucketsAreEvictedOnceFullAndSizeIsCapped() {
        InMemoryBucketStore small = new InMemoryBucketStore(clock, 100);
        for (int i = 0; i < 10_000; i++) {
            small.tryConsume("flood:" + i, SEED, 1);
            assertThat(small.size()).isLessThanOrEqualTo(100);
        }
        clock.advanceMillis(10_000);
        small.sweep(clock.nowMicros());
        assertThat(small.size()).isZero();
    }

    @Test
    void concurrentCallersNeverOverAdmit() throws Exception {
        InMemoryBucketStore real = new InMemoryBucketStore();
        BucketSpec spec = BucketSpec.of(Limit.of(50, 100, RefillPeriod.SECOND));
        AtomicInteger allowed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        long t0 = System.nanoTime();
        for (int t = 0; t < 8; t++) {
            pool.submit(() -> {
                start.await();
                for (int i = 0; i < 20_000; i++) {
                    if (real.tryConsume("hot", spec, 1).toCompletableFuture().join().allowed()) {
                        allowed.incrementAndGet();
                    }
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        double elapsedSeconds = (System.nanoTime() - t0) / 1e9;
        assertThat(allowed.get()).isLessThanOrEqualTo((int) Math.floor(50 + 100 * elapsedSeconds));
        assertThat(allowed.get()).isGreaterThanOrEqualTo(50);
    }
}
