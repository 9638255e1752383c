package io.tollgate.core.limiter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FallbackBucketsTest {

    /** 20 tokens, 5 per second: one token every 200 ms. */
    private static final BucketSpec SPEC = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final FallbackBuckets buckets = new FallbackBuckets(clock, 1_000);

    /** A store answer that left {@code tokens} in the bucket. */
    private static Decision storeLeft(BucketSpec spec, long tokens) {
        return Decision.of(spec, 1, true, new long[] {tokens * spec.unitsPerToken(0)}, 42);
    }

    /** Requests one token at a time until the first denial; returns how many were allowed. */
    private int drain(String key) {
        int allowed = 0;
        while (buckets.decide(key, SPEC, 1).allowed()) {
            allowed++;
            assertThat(allowed).as("runaway").isLessThan(10_000);
        }
        return allowed;
    }

    @Test
    void unknownBucketStartsFull() {
        assertThat(drain("default:a")).isEqualTo(20);
    }

    @Test
    void knownBucketStartsFromTheStoresLastLevels() {
        buckets.remember("default:a", storeLeft(SPEC, 3));
        assertThat(drain("default:a")).isEqualTo(3);
        assertThat(drain("default:b")).as("another bucket is unaffected").isEqualTo(20);
    }

    @Test
    void storeLevelsAreRefilledByLocalTimeElapsedSinceTheyArrived() {
        buckets.remember("default:a", storeLeft(SPEC, 3));
        clock.advanceMillis(1_000); // +5 tokens
        assertThat(drain("default:a")).isEqualTo(8);
        clock.advanceMillis(10_000); // refill is capped at the capacity
        assertThat(drain("default:a")).isEqualTo(20);
    }

    @Test
    void admissionsNeverExceedCapacityPlusRateTimesElapsed() {
        buckets.remember("default:a", storeLeft(SPEC, 20));
        long admitted = 0;
        for (int ms = 0; ms < 3_000; ms += 10) {
            for (int i = 0; i < 7; i++) {
                admitted += buckets.decide("default:a", SPEC, 1).allowed() ? 1 : 0;
            }
            long elapsedMs = ms;
            assertThat(admitted).isLessThanOrEqualTo(20 + elapsedMs * 5 / 1_000);
            clock.advanceMillis(10);
        }
        // at 2990 ms the bucket has refilled 14 whole tokens: every one of them was used
        assertThat(admitted).isEqualTo(20 + 14);
    }

    @Test
    void aDenialCarriesTheLocalRetryAfterAndRemaining() {
        buckets.remember("default:a", storeLeft(SPEC, 0));
        Decision d = buckets.decide("default:a", SPEC, 1);
        assertThat(d.allowed()).isFalse();
        assertThat(d.remaining()).isZero();
        assertThat(d.retryAfterMicros()).isEqualTo(200_000);
        clock.advanceMillis(150);
        assertThat(buckets.decide("default:a", SPEC, 1).retryAfterMicros()).isEqualTo(50_000);
    }

    @Test
    void aNewStoreAnswerReplacesTheLocalLevels() {
        buckets.remember("default:a", storeLeft(SPEC, 3));
        assertThat(drain("default:a")).isEqualTo(3);
        buckets.remember("default:a", storeLeft(SPEC, 6)); // the store is back and reports its own level
        assertThat(drain("default:a")).isEqualTo(6);
    }

    @Test
    void levelsOfAnotherSpecDoNotSeed() {
        buckets.remember("default:a", storeLeft(SPEC, 3));
        BucketSpec changed = BucketSpec.of(Limit.of(10, 5, RefillPeriod.SECOND));
        int allowed = 0;
        while (buckets.decide("default:a", changed, 1).allowed()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(10);
    }

    @Test
    void costAboveCapacityIsDeniedAndNeverRemembered() {
        Decision never = buckets.decide("default:a", SPEC, 21);
        assertThat(never.reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_CAPACITY);
        buckets.remember("default:a", never);
        assertThat(buckets.size()).isZero();
        assertThatThrownBy(() -> buckets.decide("default:a", SPEC, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void costZeroChecksAndTakesNothing() {
        buckets.remember("default:a", storeLeft(SPEC, 3));
        for (int i = 0; i < 5; i++) {
            Decision check = buckets.decide("default:a", SPEC, 0);
            assertThat(check.allowed()).isTrue();
            assertThat(check.remaining()).isEqualTo(3);
        }
        int allowed = 0;
        while (buckets.decide("default:a", SPEC, 1).allowed()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(3);
        assertThat(buckets.decide("default:a", SPEC, 0).microsUntilAvailable(1)).isPositive();
    }

    @Test
    void concurrentCallersNeverOverAdmit() throws Exception {
        buckets.remember("default:hot", storeLeft(SPEC, 17));
        int threads = 8;
        int perThread = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                counts.add(pool.submit(() -> {
                    go.await();
                    int allowed = 0;
                    for (int i = 0; i < perThread; i++) {
                        allowed += buckets.decide("default:hot", SPEC, 1).allowed() ? 1 : 0;
                    }
                    return allowed;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : counts) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            // the clock stands still: exactly the 17 tokens the store left, not one more
            assertThat(total).isEqualTo(17);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCallersRacingStoreAnswersStillOnlyTakeWhatEachAnswerLeft() throws Exception {
        // Every store answer says "2 left"; local callers may take those 2 per answer and nothing beyond.
        int answers = 500;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Future<?> store = pool.submit(() -> {
                go.await();
                for (int i = 0; i < answers; i++) {
                    buckets.remember("default:hot", storeLeft(SPEC, 2));
                }
                return null;
            });
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                counts.add(pool.submit(() -> {
                    go.await();
                    int allowed = 0;
                    for (int i = 0; i < 5_000; i++) {
                        allowed += buckets.decide("default:hot", SPEC, 1).allowed() ? 1 : 0;
                    }
                    return allowed;
                }));
            }
            go.countDown();
            store.get(30, TimeUnit.SECONDS);
            int total = 0;
            for (Future<Integer> f : counts) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            // a cell unknown when the first caller arrives starts full (20); each answer then allows at most 2
            assertThat(total).isLessThanOrEqualTo(20 + 2 * answers);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void overTheCapBucketsFullAgainGoFirst() {
        FallbackBuckets small = new FallbackBuckets(clock, 4);
        for (String k : List.of("a", "b", "c")) {
            small.remember(k, storeLeft(SPEC, 19)); // full again 200 ms later
        }
        clock.advanceMillis(1_000);
        small.remember("drained", storeLeft(SPEC, 0));
        small.remember("e", storeLeft(SPEC, 1)); // the fifth bucket: over the cap
        assertThat(small.size()).as("only the three full ones went").isEqualTo(2);
        int allowed = 0;
        while (small.decide("e", SPEC, 1).allowed()) {
            allowed++;
        }
        assertThat(allowed).as("a partly drained bucket survives eviction").isEqualTo(1);
        assertThat(small.decide("drained", SPEC, 1).allowed()).isFalse();
    }

    @Test
    void aFloodOfPartlyDrainedBucketsStaysBounded() {
        FallbackBuckets small = new FallbackBuckets(clock, 100);
        for (int i = 0; i < 10_000; i++) {
            small.remember("k" + i, storeLeft(SPEC, 0));
            assertThat(small.size()).isLessThanOrEqualTo(101);
        }
        for (int i = 0; i < 10_000; i++) {
            small.decide("local" + i, SPEC, 1);
            assertThat(small.size()).isLessThanOrEqualTo(101);
        }
    }
}
