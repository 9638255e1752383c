package io.tollgate.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link BucketStore#tryConsumeAll} contract, run against every store whose keys are atomic together (in-memory,
 * a single Redis with and without batching). The clock stands still, so no bucket refills and every count is exact.
 */
public abstract class AllOrNothingContract {

    protected static final long T0 = 1_700_000_000_000_000L;
    /** 5 tokens, two limits (the second never binds first), so multi-limit levels are exercised too. */
    protected static final BucketSpec FIVE = BucketSpec.of(Limit.of(5, 1, RefillPeriod.HOUR),
            Limit.of(50, 1, RefillPeriod.DAY));
    protected static final BucketSpec TWO = BucketSpec.of(Limit.of(2, 1, RefillPeriod.HOUR));

    private final List<BucketStore> opened = new ArrayList<>();
    protected ManualClock clock;
    private String prefix;

    /**
     * {@code n} stores that share their buckets (the same in-memory store, or several clients of one Redis), all on
     * {@code clock}.
     */
    protected abstract List<BucketStore> clients(ManualClock clock, int n);

    @BeforeEach
    void newKeys() {
        clock = new ManualClock(T0);
        prefix = "aon-" + UUID.randomUUID() + ":";
    }

    @AfterEach
    void closeStores() {
        opened.stream().distinct().forEach(BucketStore::close);
    }

    private BucketStore store() {
        return clients(1).get(0);
    }

    private List<BucketStore> clients(int n) {
        List<BucketStore> stores = clients(clock, n);
        opened.addAll(stores);
        return stores;
    }

    private BucketCall call(String key, BucketSpec spec, long cost) {
        return new BucketCall(prefix + key, spec, cost);
    }

    private static List<Decision> all(BucketStore store, BucketCall... calls) {
        return store.tryConsumeAll(List.of(calls)).toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    /** Tokens left in the tightest limit, read with a check-only call. */
    private long remaining(BucketStore store, String key, BucketSpec spec) {
        return all(store, call(key, spec, 0)).get(0).remaining();
    }

    @Test
    void oneDeniedCallTakesNothingFromTheOthers() {
        BucketStore store = store();
        assertThat(BucketStore.admitted(all(store, call("b", TWO, 2)))).isTrue();

        List<Decision> denied = all(store, call("a", FIVE, 3), call("b", TWO, 1), call("c", FIVE, 1));

        assertThat(BucketStore.admitted(denied)).isFalse();
        assertThat(denied).extracting(Decision::allowed).containsExactly(true, false, true);
        assertThat(denied.get(0).remaining()).as("levels after refill only: nothing taken").isEqualTo(5);
        assertThat(denied.get(0).level(1)).isEqualTo(FIVE.capacityUnits(1));
        assertThat(denied.get(1).reason()).isEqualTo(Decision.Reason.INSUFFICIENT_TOKENS);
        assertThat(denied.get(1).retryAfterMicros()).isEqualTo(3_600_000_000L);
        assertThat(remaining(store, "a", FIVE)).isEqualTo(5);
        assertThat(remaining(store, "c", FIVE)).isEqualTo(5);

        List<Decision> admitted = all(store, call("a", FIVE, 3), call("c", FIVE, 1));
        assertThat(BucketStore.admitted(admitted)).isTrue();
        assertThat(admitted).extracting(Decision::remaining).containsExactly(2L, 4L);
        assertThat(admitted.get(0).level(1)).isEqualTo(FIVE.capacityUnits(1) - 3 * FIVE.unitsPerToken(1));
        assertThat(remaining(store, "a", FIVE)).isEqualTo(2);
    }

    @Test
    void checkOnlyCallsNeverConsume() {
        BucketStore store = store();
        for (int i = 0; i < 10; i++) {
            List<Decision> d = all(store, call("a", FIVE, 0));
            assertThat(d.get(0).allowed()).isTrue();
            assertThat(d.get(0).remaining()).isEqualTo(5);
        }
        assertThat(BucketStore.admitted(all(store, call("b", TWO, 2)))).isTrue();
        // an empty bucket checked with cost 0 is still allowed and reports 0 left; the other call consumes
        List<Decision> d = all(store, call("b", TWO, 0), call("a", FIVE, 4));
        assertThat(d).extracting(Decision::allowed).containsExactly(true, true);
        assertThat(d).extracting(Decision::remaining).containsExactly(0L, 1L);
        assertThat(remaining(store, "b", TWO)).isZero();
        assertThat(remaining(store, "a", FIVE)).isEqualTo(1);
        // a check beside a denied call: denied request, the check still allowed
        List<Decision> denied = all(store, call("a", FIVE, 0), call("b", TWO, 1));
        assertThat(denied).extracting(Decision::allowed).containsExactly(true, false);
        assertThat(remaining(store, "a", FIVE)).isEqualTo(1);
    }

    @Test
    void aRepeatedBucketSeesTheEarlierCallsCost() {
        BucketStore store = store();
        List<Decision> denied = all(store, call("a", FIVE, 3), call("a", FIVE, 3));
        assertThat(denied).extracting(Decision::allowed).containsExactly(true, false);
        assertThat(denied.get(0).remaining()).isEqualTo(5);
        assertThat(denied.get(1).remaining()).as("sees the first cost, which was then not taken").isEqualTo(2);
        assertThat(remaining(store, "a", FIVE)).isEqualTo(5);

        List<Decision> admitted = all(store, call("a", FIVE, 2), call("a", FIVE, 0), call("a", FIVE, 3));
        assertThat(BucketStore.admitted(admitted)).isTrue();
        assertThat(admitted).extracting(Decision::remaining).containsExactly(3L, 3L, 0L);
        assertThat(remaining(store, "a", FIVE)).isZero();
    }

    @Test
    void aCostAboveACapacityDeniesTheWholeRequest() {
        BucketStore store = store();
        List<Decision> d = all(store, call("a", FIVE, 1), call("b", TWO, 3));
        assertThat(BucketStore.admitted(d)).isFalse();
        assertThat(d).extracting(Decision::reason).containsOnly(Decision.Reason.COST_EXCEEDS_CAPACITY);
        assertThat(d.get(1).retryAfterMicros()).isEqualTo(Long.MAX_VALUE);
        assertThat(remaining(store, "a", FIVE)).isEqualTo(5);
    }

    @Test
    void aLoneCallIsDecidedAsTryConsumeWouldBe() {
        BucketStore store = store();
        for (int i = 0; i < 5; i++) {
            assertThat(all(store, call("a", FIVE, 1)).get(0).allowed()).isTrue();
        }
        Decision single = store.tryConsume(prefix + "a", FIVE, 1).toCompletableFuture().join();
        Decision group = all(store, call("a", FIVE, 1)).get(0);
        assertThat(group.reason()).isEqualTo(single.reason()).isEqualTo(Decision.Reason.INSUFFICIENT_TOKENS);
        assertThat(group.level(0)).isEqualTo(single.level(0));
        assertThat(group.timestampMicros()).isEqualTo(single.timestampMicros()).isEqualTo(T0);
    }

    /**
     * Threads on several clients send requests over overlapping sets of four buckets (with repeats and checks): the
     * tokens every bucket gave equal exactly what it lost, and never exceed its capacity.
     */
    @Test
    void concurrentRequestsNeverAdmitMoreThanEachBucketAllows() throws Exception {
        int threads = 4;
        List<BucketStore> stores = clients(2);
        BucketSpec spec = BucketSpec.of(Limit.of(40, 1, RefillPeriod.HOUR));
        AtomicLongArray taken = new AtomicLongArray(4);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                BucketStore store = stores.get(t % stores.size());
                Random random = new Random(t);
                done.add(pool.submit(() -> {
                    for (int r = 0; r < 150; r++) {
                        int n = 1 + random.nextInt(3);
                        int[] keys = new int[n];
                        long[] costs = new long[n];
                        List<BucketCall> calls = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            keys[i] = random.nextInt(4);
                            costs[i] = random.nextInt(4); // 0 = a check
                            calls.add(call("k" + keys[i], spec, costs[i]));
                        }
                        List<Decision> d = store.tryConsumeAll(calls).toCompletableFuture()
                                .orTimeout(20, TimeUnit.SECONDS).join();
                        if (BucketStore.admitted(d)) {
                            for (int i = 0; i < n; i++) {
                                taken.addAndGet(keys[i], costs[i]);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long total = 0;
        for (int k = 0; k < 4; k++) {
            assertThat(taken.get(k)).as("k" + k).isLessThanOrEqualTo(40);
            assertThat(remaining(stores.get(0), "k" + k, spec)).as("k" + k).isEqualTo(40 - taken.get(k));
            total += taken.get(k);
        }
        assertThat(total).as("the workload must drain something").isPositive();
    }
}
