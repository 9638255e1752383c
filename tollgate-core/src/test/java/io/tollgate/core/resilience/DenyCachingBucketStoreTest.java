package io.tollgate.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.CountingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenyCachingBucketStoreTest {

    private static final long SECOND = 1_000_000L;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final InMemoryBucketStore backing = new InMemoryBucketStore(clock, 10_000_000);
    private final CountingBucketStore counting = new CountingBucketStore(backing);
    private final DenyCachingBucketStore cache = new DenyCachingBucketStore(counting, clock, 1_000);

    private Decision ask(DenyCachingBucketStore store, String key, BucketSpec spec, long cost) {
        return store.tryConsume(key, spec, cost).toCompletableFuture().join();
    }

    private Decision ask(String key, BucketSpec spec, long cost) {
        return ask(cache, key, spec, cost);
    }

    @Test
    void repeatedRequestsAreDeniedLocallyUntilTheBucketCouldAllowThem() {
        BucketSpec spec = BucketSpec.of(Limit.of(2, 1, RefillPeriod.SECOND));
        assertThat(ask("k", spec, 1).allowed()).isTrue();
        assertThat(ask("k", spec, 1).allowed()).isTrue();
        Decision denied = ask("k", spec, 1);
        assertThat(denied.reason()).isEqualTo(Decision.Reason.INSUFFICIENT_TOKENS);
        assertThat(denied.retryAfterMicros()).isEqualTo(SECOND);
        assertThat(counting.calls.get()).isEqualTo(3);
        assertThat(cache.size()).isEqualTo(1);

        long t0 = clock.nowMicros();
        for (long dt : new long[] {0, 1, 500_000, SECOND - 1}) {
            clock.set(t0 + dt);
            Decision local = ask("k", spec, 1);
            assertThat(local.allowed()).isFalse();
            assertThat(local.reason()).isEqualTo(Decision.Reason.INSUFFICIENT_TOKENS);
            // Nobody else takes tokens here, so the bound is exact and so is the retry-after.
            assertThat(local.retryAfterMicros()).isEqualTo(SECOND - dt);
            assertThat(local.timestampMicros()).isEqualTo(t0 + dt);
        }
        assertThat(counting.calls.get()).isEqualTo(3);
        assertThat(cache.localDenials()).isEqualTo(4);

        clock.set(t0 + SECOND); // T: one token could be there, so the store is asked again
        assertThat(ask("k", spec, 1).allowed()).isTrue();
        assertThat(counting.calls.get()).isEqualTo(4);
        assertThat(cache.size()).isZero(); // an allowed answer removes the entry
        assertThat(cache.storeCalls()).isEqualTo(4);
    }

    @Test
    void aCheaperRequestIsNotBlockedByACachedExpensiveDenial() {
        BucketSpec spec = BucketSpec.of(Limit.of(10, 1, RefillPeriod.SECOND));
        assertThat(ask("k", spec, 10).allowed()).isTrue();
        assertThat(ask("k", spec, 5).allowed()).isFalse(); // from the store, cached
        long t0 = clock.nowMicros();
        int calls = counting.calls.get();

        clock.set(t0 + SECOND / 2);
        assertThat(ask("k", spec, 1).allowed()).isFalse(); // half a token: provably denied
        assertThat(ask("k", spec, 5).allowed()).isFalse();
        assertThat(counting.calls.get()).isEqualTo(calls);

        clock.set(t0 + SECOND); // one token may be there: cost 1 must reach the store, and is allowed
        assertThat(ask("k", spec, 1).allowed()).isTrue();
        assertThat(counting.calls.get()).isEqualTo(calls + 1);

        assertThat(ask("k", spec, 5).allowed()).isFalse(); // store again (entry was removed), cached anew
        assertThat(counting.calls.get()).isEqualTo(calls + 2);
        long t1 = clock.nowMicros();
        clock.set(t1 + 5 * SECOND - 1);
        Decision local = ask("k", spec, 5);
        assertThat(local.allowed()).isFalse();
        assertThat(local.retryAfterMicros()).isEqualTo(1);
        assertThat(counting.calls.get()).isEqualTo(calls + 2);
        clock.set(t1 + 5 * SECOND);
        assertThat(ask("k", spec, 5).allowed()).isTrue();
        assertThat(counting.calls.get()).isEqualTo(calls + 3);
    }

    @Test
    void multiLimitBoundUsesTheLimitThatBlocks() {
        // 3 per second burst, and 5 per minute overall.
        BucketSpec spec = BucketSpec.of(Limit.of(3, 1, RefillPeriod.SECOND), Limit.of(5, 1, RefillPeriod.MINUTE));
        assertThat(ask("k", spec, 3).allowed()).isTrue();          // second: 0, minute: 2
        assertThat(ask("k", spec, 1).allowed()).isFalse();         // blocked by the per-second limit, ~1 s
        int calls = counting.calls.get();
        long t0 = clock.nowMicros();
        clock.set(t0 + SECOND - 1);
        assertThat(ask("k", spec, 1).retryAfterMicros()).isEqualTo(1);
        assertThat(counting.calls.get()).isEqualTo(calls);

        clock.set(t0 + 3 * SECOND);                                // second: 3, minute: 2.05
        Decision d = ask("k", spec, 3);                            // blocked by the per-minute limit
        assertThat(d.allowed()).isFalse();
        long trueWait = d.retryAfterMicros();
        assertThat(trueWait).isEqualTo(57 * SECOND);
        calls = counting.calls.get();
        long t1 = clock.nowMicros();

        clock.set(t1 + 30 * SECOND);
        Decision local = ask("k", spec, 3);
        assertThat(local.allowed()).isFalse();
        assertThat(local.retryAfterMicros()).isEqualTo(trueWait - 30 * SECOND);
        assertThat(local.tightestLimit()).isEqualTo(1);
        assertThat(counting.calls.get()).isEqualTo(calls);

        assertThat(ask("k", spec, 2).allowed()).isTrue();          // 2 fit the bound on both limits: store says yes
        assertThat(counting.calls.get()).isEqualTo(calls + 1);
    }

    @Test
    void onlyInsufficientTokenDenialsOfTheSameSpecAreUsed() {
        BucketSpec spec = BucketSpec.of(Limit.of(2, 1, RefillPeriod.SECOND));
        for (int i = 0; i < 3; i++) {
            assertThat(ask("k", spec, 3).reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_CAPACITY);
        }
        assertThat(cache.size()).isZero();
        assertThat(counting.calls.get()).isEqualTo(3);

        ask("k", spec, 2);
        assertThat(ask("k", spec, 1).allowed()).isFalse();
        assertThat(cache.size()).isEqualTo(1);
        int calls = counting.calls.get();
        // Same bucket key, different limits (new fingerprint): a different bucket, the entry proves nothing.
        BucketSpec changed = BucketSpec.of(Limit.of(3, 1, RefillPeriod.SECOND));
        assertThat(ask("k", changed, 1).allowed()).isTrue();
        assertThat(counting.calls.get()).isEqualTo(calls + 1);
        // Another key is another bucket.
        assertThat(ask("other", spec, 1).allowed()).isTrue();
        assertThat(ask("k", spec, 1).allowed()).isFalse();
        assertThat(counting.calls.get()).isEqualTo(calls + 2);
    }

    @Test
    void aLocalClockThatGoesBackMakesTheEntryUnusableNotWrong() {
        BucketSpec spec = BucketSpec.of(Limit.of(1, 1, RefillPeriod.SECOND));
        ask("k", spec, 1);
        ask("k", spec, 1);
        int calls = counting.calls.get();
        clock.advanceMicros(-10);
        ask("k", spec, 1);
        assertThat(counting.calls.get()).isEqualTo(calls + 1);
    }

    @Test
    void anotherInstanceTakingTokensKeepsTheBoundValid() {
        BucketSpec spec = BucketSpec.of(Limit.of(4, 2, RefillPeriod.SECOND));
        DenyCachingBucketStore other = new DenyCachingBucketStore(backing, clock, 1_000);
        assertThat(ask("k", spec, 4).allowed()).isTrue();
        assertThat(ask("k", spec, 2).allowed()).isFalse(); // cached here; horizon 1 s
        long t0 = clock.nowMicros();
        clock.set(t0 + 600_000); // 1.2 tokens refilled
        assertThat(ask(other, "k", spec, 1).allowed()).isTrue(); // the other instance takes one: 0.2 left
        clock.set(t0 + 900_000);
        Decision local = ask("k", spec, 2);
        Decision truth = backing.decide("k", spec, 2, clock.nowMicros());
        assertThat(local.allowed()).isFalse();
        assertThat(truth.allowed()).isFalse();
        assertThat(local.level(0)).isGreaterThanOrEqualTo(truth.level(0));
        assertThat(local.retryAfterMicros()).isLessThan(truth.retryAfterMicros()); // conservative: never longer
    }

    @Test
    void outsideAnOpenCircuitProvableDenialsAreStillServed() {
        CircuitBreaker breaker = new CircuitBreaker("test", 2, java.time.Duration.ofSeconds(2), new ManualClock(0), null);
        DenyCachingBucketStore store = new DenyCachingBucketStore(
                new CircuitBreakingBucketStore(counting, breaker), clock, 1_000);
        BucketSpec spec = BucketSpec.of(Limit.of(1, 1, RefillPeriod.MINUTE));
        assertThat(ask(store, "k", spec, 1).allowed()).isTrue();
        assertThat(ask(store, "k", spec, 1).allowed()).isFalse(); // cached for a minute
        counting.down = true;
        for (int i = 0; i < 2; i++) {
            assertThat(store.tryConsume("other", spec, 1).toCompletableFuture()).isCompletedExceptionally();
        }
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        int calls = counting.calls.get();
        clock.advanceMicros(10 * SECOND);
        assertThat(ask(store, "k", spec, 1).allowed()).isFalse(); // still provable, no store, no breaker involved
        assertThat(store.tryConsume("other", spec, 1).toCompletableFuture())
                .failsWithin(java.time.Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(CircuitOpenException.class);
        assertThat(counting.calls.get()).isEqualTo(calls);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    /**
     * Two cache "instances" over one shared store, random specs, costs and time steps. Every local denial is checked
     * against the real store at that very moment: it must deny too (a denial changes no state, so asking is free), its
     * levels must be at least the true levels, and its retry-after at most the true one.
     */
    @Test
    void aLocalDenialIsNeverWhatTheStoreWouldAllow() {
        long totalLocal = 0;
        for (long seed = 1; seed <= 5; seed++) {
            totalLocal += randomRun(seed, 20_000);
        }
        assertThat(totalLocal).isGreaterThan(10_000); // the cache really served denials
    }

    private long randomRun(long seed, int steps) {
        Random rnd = new Random(seed);
        ManualClock now = new ManualClock(1_000 * SECOND);
        InMemoryBucketStore shared = new InMemoryBucketStore(now, 10_000_000);
        DenyCachingBucketStore[] instances = {
            new DenyCachingBucketStore(shared, now, 1_000),
            new DenyCachingBucketStore(shared, now, 1_000),
        };
        List<BucketSpec> specs = new ArrayList<>();
        String[] rates = {"1", "2", "3", "5", "0.5", "1.5", "0.25"};
        RefillPeriod[] periods = {RefillPeriod.SECOND, RefillPeriod.SECOND, RefillPeriod.MINUTE};
        for (int s = 0; s < 6; s++) {
            List<Limit> limits = new ArrayList<>();
            int n = 1 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                limits.add(Limit.of(1 + rnd.nextInt(12), new BigDecimal(rates[rnd.nextInt(rates.length)]),
                        periods[rnd.nextInt(periods.length)]));
            }
            specs.add(BucketSpec.of(limits));
        }
        long local = 0;
        for (int step = 0; step < steps; step++) {
            switch (rnd.nextInt(4)) {
                case 0 -> { } // same instant
                case 1 -> now.advanceMicros(rnd.nextInt(2_000));
                case 2 -> now.advanceMicros(rnd.nextInt(300_000));
                default -> now.advanceMicros(rnd.nextInt(rnd.nextInt(10) == 0 ? 5_000_000 : 1_000_000));
            }
            int k = rnd.nextInt(4);
            String key = "key" + k;
            BucketSpec spec = rnd.nextInt(10) == 0 ? specs.get(rnd.nextInt(specs.size())) : specs.get(k);
            long cost = rnd.nextInt(20) == 0 ? spec.minCapacity() + 1 : 1 + rnd.nextInt((int) Math.min(4, spec.minCapacity()));
            DenyCachingBucketStore instance = instances[rnd.nextInt(2)];

            long before = instance.localDenials();
            Decision d = ask(instance, key, spec, cost);
            if (instance.localDenials() > before) {
                local++;
                Decision truth = shared.decide(key, spec, cost, now.nowMicros());
                assertThat(truth.allowed()).as("seed %d step %d: local denial the store would allow", seed, step)
                        .isFalse();
                assertThat(d.reason()).isEqualTo(Decision.Reason.INSUFFICIENT_TOKENS);
                for (int i = 0; i < spec.size(); i++) {
                    assertThat(d.level(i)).isGreaterThanOrEqualTo(truth.level(i));
                }
                assertThat(d.retryAfterMicros()).isPositive().isLessThanOrEqualTo(truth.retryAfterMicros());
            }
        }
        return local;
    }

    @Test
    void manyMoreDistinctKeysThanTheCapStayWithinIt() {
        ManualClock now = new ManualClock(1_000 * SECOND);
        InMemoryBucketStore shared = new InMemoryBucketStore(now, 20_000); // small: its own sweeps stay cheap
        DenyCachingBucketStore capped = new DenyCachingBucketStore(shared, now, 20_000);
        BucketSpec spec = BucketSpec.of(Limit.of(1, 1, RefillPeriod.HOUR)); // entries live an hour: eviction must work
        int maxSeen = 0;
        for (int i = 0; i < 250_000; i++) { // 12.5x the cap
            String key = "client-" + i;
            ask(capped, key, spec, 1);
            ask(capped, key, spec, 1); // denied by the store and cached
            now.advanceMicros(1);
            maxSeen = Math.max(maxSeen, capped.size());
        }
        assertThat(maxSeen).isLessThanOrEqualTo(20_000);
        assertThat(capped.size()).isGreaterThan(10_000);
        long before = capped.localDenials();
        assertThat(ask(capped, "client-249999", spec, 1).allowed()).isFalse();
        assertThat(capped.localDenials()).isEqualTo(before + 1);
    }

    @Test
    void allOrNothingRequestsAlwaysReachTheStoreAndAreNotCached() {
        BucketSpec spec = BucketSpec.of(Limit.of(2, 1, RefillPeriod.SECOND));
        assertThat(ask("k", spec, 2).allowed()).isTrue();
        assertThat(ask("k", spec, 1).allowed()).isFalse(); // cached denial
        assertThat(cache.size()).isEqualTo(1);
        int calls = counting.calls.get();
        List<BucketCall> request = List.of(new BucketCall("k", spec, 1), new BucketCall("other", spec, 1));
        for (int i = 0; i < 3; i++) {
            List<Decision> d = cache.tryConsumeAll(request).toCompletableFuture().join();
            assertThat(d).extracting(Decision::allowed).containsExactly(false, true);
        }
        assertThat(counting.calls.get()).isEqualTo(calls + 3);
        assertThat(ask("other", spec, 2).allowed()).as("the denied requests took nothing").isTrue();
        assertThat(cache.size()).isEqualTo(1);
    }
}
