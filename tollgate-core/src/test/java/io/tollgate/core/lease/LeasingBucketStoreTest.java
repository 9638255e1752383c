package io.tollgate.core.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.CountingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeasingBucketStoreTest {

    private static final BucketSpec HOT = BucketSpec.of(Limit.of(1000, 100, RefillPeriod.SECOND));
    private final ManualClock clock = new ManualClock(1_700_000_000_000_000L);
    private final InMemoryBucketStore shared = new InMemoryBucketStore(clock, 1000);

    private static boolean take(BucketStore s, String key, BucketSpec spec, long cost) {
        return s.tryConsume(key, spec, cost).toCompletableFuture().join().allowed();
    }

    @Test
    void twoInstancesNeverOverAdmitAndUnderAdmitAtMostOneBatchEach() {
        CountingBucketStore counting = new CountingBucketStore(shared);
        Duration ttl = Duration.ofSeconds(1);
        LeasingBucketStore a = new LeasingBucketStore(counting, clock, ttl);
        LeasingBucketStore b = new LeasingBucketStore(counting, clock, ttl);
        Random rnd = new Random(42);
        long admitted = 0;
        long requests = 0;
        long elapsedMicros = 0;
        // 900 ms (shorter than the TTL, so nothing expires): bursts of traffic well above the refill rate.
        for (int ms = 0; ms < 900; ms++) {
            int n = rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                long cost = 1 + rnd.nextInt(3);
                requests++;
                if (take(rnd.nextBoolean() ? a : b, "global", HOT, cost)) {
                    admitted += cost;
                }
            }
            clock.advanceMillis(1);
            elapsedMicros += 1000;
        }
        long bound = 1000 + 100 * elapsedMicros / 1_000_000;
        assertThat(counting.granted.get()).isLessThanOrEqualTo(bound);
        assertThat(admitted).isLessThanOrEqualTo(counting.granted.get());
        long maxBatch = LeasingBucketStore.maxBatch(HOT);
        assertThat(admitted).isGreaterThanOrEqualTo(counting.granted.get() - 2 * maxBatch);
        // The demand exceeded supply, so the store was drained to (nearly) empty: the leases did not starve it.
        assertThat(counting.granted.get()).isGreaterThanOrEqualTo(bound - 2 * maxBatch);
        // And it took far fewer store calls than requests.
        assertThat((long) counting.calls.get()).isLessThan(requests / 2);
    }

    @Test
    void longRunUnderAdmissionIsAtMostOneBatchPerInstancePerTtl() {
        CountingBucketStore counting = new CountingBucketStore(shared);
        Duration ttl = Duration.ofMillis(200);
        LeasingBucketStore a = new LeasingBucketStore(counting, clock, ttl);
        LeasingBucketStore b = new LeasingBucketStore(counting, clock, ttl);
        Random rnd = new Random(7);
        long admitted = 0;
        long elapsedMs = 3000;
        for (int ms = 0; ms < elapsedMs; ms++) {
            // Bursty: idle stretches let leased tokens expire.
            int n = (ms / 250) % 2 == 0 ? rnd.nextInt(4) : 0;
            for (int i = 0; i < n; i++) {
                if (take(rnd.nextBoolean() ? a : b, "global", HOT, 1)) {
                    admitted++;
                }
            }
            clock.advanceMillis(1);
        }
        long granted = counting.granted.get();
        assertThat(granted).isLessThanOrEqualTo(1000 + 100 * elapsedMs / 1000);
        long maxBatch = LeasingBucketStore.maxBatch(HOT);
        long perInstance = maxBatch * (elapsedMs / ttl.toMillis() + 2);
        assertThat(admitted).isLessThanOrEqualTo(granted);
        assertThat(admitted).isGreaterThanOrEqualTo(granted - 2 * perInstance);
    }

    @Test
    void leasedTokensExpireAfterTheTtl() {
        CountingBucketStore counting = new CountingBucketStore(shared);
        LeasingBucketStore a = new LeasingBucketStore(counting, clock, Duration.ofSeconds(1));
        assertThat(take(a, "g", HOT, 1)).isTrue();
        long first = counting.granted.get();
        assertThat(first).isEqualTo(LeasingBucketStore.initialBatch(HOT));
        clock.advanceMillis(1001);
        long calls = counting.calls.get();
        assertThat(take(a, "g", HOT, 1)).isTrue();
        assertThat(counting.calls.get()).isEqualTo(calls + 1); // had to fetch again: the old lease expired
    }

    @Test
    void nearlyEmptyBucketStillServesByRetryingWithTheRequestCost() {
        BucketSpec spec = BucketSpec.of(Limit.of(1000, 1, RefillPeriod.HOUR));
        CountingBucketStore counting = new CountingBucketStore(shared);
        // Drain the shared bucket to 3 tokens directly.
        assertThat(take(shared, "g", spec, 997)).isTrue();
        LeasingBucketStore a = new LeasingBucketStore(counting, clock, Duration.ofSeconds(1));
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if (take(a, "g", spec, 1)) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(3);
        // After the denial, further requests are denied locally until the retry-after.
        long calls = counting.calls.get();
        Decision d = a.tryConsume("g", spec, 1).toCompletableFuture().join();
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfterMicros()).isPositive();
        assertThat(counting.calls.get()).isEqualTo(calls);
    }

    @Test
    void multiLimitBatchesTakeFromEveryLimit() {
        BucketSpec spec = BucketSpec.of(Limit.of(1000, 100, RefillPeriod.SECOND), Limit.of(2000, 1, RefillPeriod.HOUR));
        LeasingBucketStore a = new LeasingBucketStore(shared, clock, Duration.ofSeconds(1));
        assertThat(take(a, "g", spec, 1)).isTrue();
        Decision direct = shared.tryConsume("g", spec, 1).toCompletableFuture().join();
        long batch = LeasingBucketStore.initialBatch(spec);
        assertThat(direct.remaining(0)).isEqualTo(1000 - batch - 1);
        assertThat(direct.remaining(1)).isEqualTo(2000 - batch - 1);
    }

    @Test
    void concurrentFetchesAreCoalesced() {
        List<Runnable> pending = new ArrayList<>();
        AtomicLong slowCalls = new AtomicLong();
        BucketStore slow = new CountingBucketStore(shared) {
            @Override
            public CompletionStage<Decision> tryConsume(String k, BucketSpec s, long cost) {
                slowCalls.incrementAndGet();
                CompletableFuture<Decision> later = new CompletableFuture<>();
                pending.add(() -> later.complete(shared.tryConsume(k, s, cost).toCompletableFuture().join()));
                return later;
            }
        };
        LeasingBucketStore a = new LeasingBucketStore(slow, clock, Duration.ofSeconds(1));
        List<CompletableFuture<Decision>> results = new ArrayList<>();
        long batch = LeasingBucketStore.initialBatch(HOT);
        for (int i = 0; i < batch; i++) {
            results.add(a.tryConsume("g", HOT, 1).toCompletableFuture());
        }
        assertThat(slowCalls.get()).isEqualTo(1);
        assertThat(results).noneMatch(CompletableFuture::isDone);
        pending.get(0).run();
        assertThat(results).allSatisfy(f -> assertThat(f.join().allowed()).isTrue());
        assertThat(slowCalls.get()).isEqualTo(1);
    }

    @Test
    void allOrNothingRequestsBypassTheLeases() {
        CountingBucketStore counting = new CountingBucketStore(shared);
        LeasingBucketStore leasing = new LeasingBucketStore(counting, clock, Duration.ofSeconds(1));
        assertThat(take(leasing, "global", HOT, 1)).isTrue(); // leases a batch
        long granted = counting.granted.get();
        List<Decision> d = leasing.tryConsumeAll(List.of(new BucketCall("global", HOT, 3),
                new BucketCall("other", HOT, 0))).toCompletableFuture().join();
        assertThat(BucketStore.admitted(d)).isTrue();
        assertThat(counting.granted.get()).as("taken from the backing store, not the lease").isEqualTo(granted + 3);
        assertThat(d.get(0).remaining()).isEqualTo(1000 - granted - 3);
    }
}
