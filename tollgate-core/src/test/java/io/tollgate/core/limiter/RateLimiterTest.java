package io.tollgate.core.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.CountedResponses;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleMode;
import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.CountingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.core.store.StoreTimeoutException;
import io.tollgate.core.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RateLimiterTest {

    private static final BucketSpec SEED = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));

    /** A store that fails every call with what {@code failure} makes; by default it is down (every call times out). */
    private static class DownStore implements BucketStore {
        final Supplier<RuntimeException> failure;
        int calls;

        DownStore(Supplier<RuntimeException> failure) {
            this.failure = failure;
        }

        DownStore() {
            this(() -> new StoreTimeoutException("redis did not answer within 100 ms", null));
        }

        @Override
        public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
            calls++;
            return CompletableFuture.failedFuture(failure.get());
        }

        @Override
        public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
            this.calls++;
            return CompletableFuture.failedFuture(failure.get());
        }

        @Override
        public CompletionStage<Void> ping() {
            return CompletableFuture.failedFuture(new StoreTimeoutException("down", null));
        }

        @Override
        public String describe() {
            return "down";
        }

        @Override
        public boolean distributed() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** A chain without layers: these tests are about the limiter, not the store's layers. */
    private static StoreChain chain(BucketStore store) {
        return StoreChain.around(store).build();
    }

    private static Verdict check(RateLimiter limiter, Rule rule) {
        return limiter.check(rule, "ip:10.0.0.1").toCompletableFuture().join();
    }

    @Test
    void enforcingRuleDeniesAndShadowRuleReports() {
        List<Verdict> seen = new ArrayList<>();
        RateLimiter limiter = new RateLimiter(chain(new InMemoryBucketStore()), FailurePolicy.FAIL_OPEN, 1, seen::add,
                Duration.ofSeconds(10));
        Rule enforce = Rule.builder("default").spec(SEED).build();
        Rule shadow = Rule.builder("shadowed").spec(SEED).mode(RuleMode.SHADOW).build();
        for (int i = 0; i < 20; i++) {
            assertThat(check(limiter, enforce).outcome()).isEqualTo(Outcome.ALLOWED);
            check(limiter, shadow);
        }
        Verdict denied = check(limiter, enforce);
        assertThat(denied.outcome()).isEqualTo(Outcome.DENIED);
        assertThat(denied.permitted()).isFalse();
        assertThat(denied.rejectionStatus()).isEqualTo(429);
        assertThat(denied.retryAfterSeconds()).isEqualTo(1);

        Verdict shadowDenied = check(limiter, shadow);
        assertThat(shadowDenied.outcome()).isEqualTo(Outcome.SHADOW_DENIED);
        assertThat(shadowDenied.permitted()).isTrue();
        assertThat(seen).hasSize(42);
    }

    @Test
    void failOpenAllowsAndFlags() {
        RateLimiter limiter = new RateLimiter(new DownStore());
        Verdict v = check(limiter, Rule.builder("default").spec(SEED).build());
        assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(v.policyApplied()).isEqualTo(FailurePolicy.FAIL_OPEN);
        assertThat(v.permitted()).isTrue();
        assertThat(v.degraded()).isTrue();
    }

    @Test
    void failClosedRejectsWith503() {
        RateLimiter limiter = new RateLimiter(new DownStore());
        Verdict v = check(limiter, Rule.builder("default").spec(SEED).failurePolicy(FailurePolicy.FAIL_CLOSED).build());
        assertThat(v.permitted()).isFalse();
        assertThat(v.rejectionStatus()).isEqualTo(503);
        assertThat(v.retryAfterSeconds()).isEqualTo(Verdict.FAIL_CLOSED_RETRY_SECONDS);
    }

    @Test
    void localPolicyScalesByExpectedInstances() {
        RateLimiter limiter = new RateLimiter(chain(new DownStore()), FailurePolicy.LOCAL, 4, null, Duration.ofSeconds(10),
                new FallbackBuckets(new ManualClock(0), 1_000));
        Rule rule = Rule.builder("default").spec(SEED).build();
        int permitted = 0;
        for (int i = 0; i < 30; i++) {
            Verdict v = check(limiter, rule);
            assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(v.policyApplied()).isEqualTo(FailurePolicy.LOCAL);
            permitted += v.permitted() ? 1 : 0;
        }
        // 20 / 4 instances = 5 per instance, so four instances together stay near the real limit.
        assertThat(permitted).isEqualTo(5);
        assertThat(limiter.localSpec(rule).limit(0).tokensPerSecond()).isEqualTo(1.25);
    }

    @Test
    void ruleOverridesDefaultPolicy() {
        RateLimiter limiter = new RateLimiter(chain(new DownStore()), FailurePolicy.FAIL_CLOSED, 1, null, Duration.ofSeconds(10));
        Verdict v = check(limiter, Rule.builder("open").spec(SEED).failurePolicy(FailurePolicy.FAIL_OPEN).build());
        assertThat(v.permitted()).isTrue();
        assertThat(check(limiter, Rule.builder("default").spec(SEED).build()).permitted()).isFalse();
    }

    // ---- bounded fail-open ----------------------------------------------------------------------------------------

    /** One clock for the store and the local buckets: the test moves time by hand. */
    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final CountingBucketStore store = new CountingBucketStore(new InMemoryBucketStore(clock, 1_000));
    private final List<Verdict> seen = new ArrayList<>();
    private final RateLimiter limiter = new RateLimiter(chain(store), FailurePolicy.FAIL_OPEN, 1, seen::add,
            Duration.ofSeconds(10), new FallbackBuckets(clock, 1_000));
    private final Rule rule = Rule.builder("default").spec(SEED).build();

    private int permitted(int requests) {
        int n = 0;
        for (int i = 0; i < requests; i++) {
            n += check(limiter, rule).permitted() ? 1 : 0;
        }
        return n;
    }

    @Test
    void boundedFailOpenAdmitsAtMostCapacityPlusRefillDuringAnOutage() {
        store.down = true;
        int admitted = 0;
        for (int step = 0; step <= 400; step++) { // 4 s in 10 ms steps, 5 requests per step
            admitted += permitted(5);
            assertThat(admitted).isLessThanOrEqualTo(20 + step * 10 * 5 / 1_000);
            clock.advanceMillis(10);
        }
        assertThat(admitted).as("capacity + 5/s over 4 s").isEqualTo(20 + 20);
        assertThat(seen).allSatisfy(v -> {
            assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(v.degraded()).isTrue();
            assertThat(v.policyApplied()).isEqualTo(FailurePolicy.FAIL_OPEN);
        });
    }

    @Test
    void aLocalDenialIsA429FlaggedDegradedWithTheLocalRetryAfter() {
        store.down = true;
        assertThat(permitted(20)).isEqualTo(20);
        clock.advanceMillis(50);
        Verdict denied = check(limiter, rule);
        assertThat(denied.permitted()).isFalse();
        assertThat(denied.rejectionStatus()).isEqualTo(429);
        assertThat(denied.degraded()).isTrue();
        assertThat(denied.decision().remaining()).isZero();
        assertThat(denied.decision().retryAfterMicros()).isEqualTo(150_000);
        assertThat(denied.retryAfterSeconds()).isEqualTo(1);
        assertThat(new RateLimitHeaders().headers(denied)).extracting(RateLimitHeaders.Header::name)
                .contains("RateLimit", "X-RateLimit-Remaining", "Retry-After", "X-RateLimit-Degraded");
        assertThat(new RateLimitHeaders().headers(denied))
                .contains(new RateLimitHeaders.Header("X-RateLimit-Degraded", "fail-open"));
    }

    @Test
    void theOutageStartsFromTheLevelsTheStoreLastReported() {
        assertThat(permitted(17)).isEqualTo(17); // the store now holds 3
        store.down = true;
        assertThat(permitted(10)).as("3 left, not a fresh capacity").isEqualTo(3);
        clock.advanceMillis(400);
        assertThat(permitted(10)).as("+2 refilled").isEqualTo(2);
        assertThat(check(limiter, Rule.builder("default").spec(SEED).build()).permitted()).isFalse();
        assertThat(limiter.check(rule, "ip:10.0.0.2").toCompletableFuture().join().permitted())
                .as("another client's unknown bucket starts full").isTrue();
    }

    @Test
    void whenTheStoreIsBackItsLevelsOverwriteTheLocalOnes() {
        assertThat(permitted(15)).isEqualTo(15); // store: 5 left
        store.down = true;
        assertThat(permitted(10)).isEqualTo(5); // local: 0 left; the store never saw these
        store.down = false;
        assertThat(permitted(2)).as("the store still has its own 5").isEqualTo(2); // store: 3 left
        store.down = true;
        assertThat(permitted(10)).as("the next outage starts from the store's 3").isEqualTo(3);
    }

    @Test
    void concurrentCallersDuringAnOutageNeverOverAdmit() throws Exception {
        assertThat(permitted(8)).isEqualTo(8); // store: 12 left
        store.down = true;
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                counts.add(pool.submit(() -> {
                    go.await();
                    int n = 0;
                    for (int i = 0; i < 1_000; i++) {
                        n += limiter.check(rule, "ip:10.0.0.1").toCompletableFuture().join().permitted() ? 1 : 0;
                    }
                    return n;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : counts) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(12);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aShadowRuleLetsLocalDenialsThrough() {
        Rule shadow = Rule.builder("shadowed").spec(SEED).mode(RuleMode.SHADOW).build();
        store.down = true;
        for (int i = 0; i < 25; i++) {
            Verdict v = check(limiter, shadow);
            assertThat(v.permitted()).isTrue();
            assertThat(v.degraded()).isTrue();
            assertThat(v.policyApplied()).isEqualTo(FailurePolicy.FAIL_OPEN);
            assertThat(v.decision().allowed()).isEqualTo(i < 20);
            assertThat(new RateLimitHeaders().headers(v)).extracting(RateLimitHeaders.Header::name)
                    .doesNotContain("Retry-After");
        }
    }

    @Test
    void failOpenUnboundedAdmitsEverything() {
        RateLimiter unbounded = new RateLimiter(chain(new DownStore()), FailurePolicy.FAIL_OPEN_UNBOUNDED, 1, null,
                Duration.ofSeconds(10));
        for (int i = 0; i < 1_000; i++) {
            Verdict v = check(unbounded, rule);
            assertThat(v.permitted()).isTrue();
            assertThat(v.decision()).isNull();
            assertThat(v.policyApplied()).isEqualTo(FailurePolicy.FAIL_OPEN_UNBOUNDED);
        }
        assertThat(new RateLimitHeaders().headers(check(unbounded, rule)))
                .containsExactly(new RateLimitHeaders.Header("X-RateLimit-Degraded", "fail-open-unbounded"));
    }

    @Test
    void failClosedAndUnboundedRulesRememberNothing() {
        Rule closed = Rule.builder("closed").spec(SEED).failurePolicy(FailurePolicy.FAIL_CLOSED).build();
        Rule unbounded = Rule.builder("open").spec(SEED).failurePolicy(FailurePolicy.FAIL_OPEN_UNBOUNDED).build();
        check(limiter, closed);
        check(limiter, unbounded);
        assertThat(limiter.fallbackBuckets().size()).isZero();
        check(limiter, rule);
        assertThat(limiter.fallbackBuckets().size()).isEqualTo(1);
    }

    // ---- shedding on overload -------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void anOverloadedStoreShedsWhateverThePolicy(FailurePolicy policy) {
        List<Verdict> verdicts = new ArrayList<>();
        RateLimiter overloaded = new RateLimiter(
                chain(new DownStore(() -> new StoreOverloadedException("queued 80 ms, budget 50 ms"))), policy, 4,
                verdicts::add, Duration.ofSeconds(10));
        for (int i = 0; i < 30; i++) {
            Verdict v = check(overloaded, rule);
            assertThat(v.outcome()).isEqualTo(Outcome.SHED);
            assertThat(v.outcome().tag()).isEqualTo("shed");
            assertThat(v.permitted()).isFalse();
            assertThat(v.rejectionStatus()).isEqualTo(503);
            assertThat(v.retryAfterSeconds()).isEqualTo(1);
            assertThat(v.degraded()).isFalse();
            assertThat(v.policyApplied()).isNull();
            assertThat(v.decision()).isNull();
            assertThat(new RateLimitHeaders().headers(v))
                    .containsExactly(new RateLimitHeaders.Header("Retry-After", "1"));
        }
        assertThat(verdicts).hasSize(30).allSatisfy(v -> assertThat(v.outcome()).isEqualTo(Outcome.SHED));
        assertThat(overloaded.fallbackBuckets().size()).as("no local bucket was touched").isZero();
    }

    @Test
    void anOverloadWrappedOrThrownIsStillShed() {
        RateLimiter wrapped = new RateLimiter(new DownStore(() -> new CompletionException(
                new StoreUnavailableException("queue full", new StoreOverloadedException("over budget")))));
        assertThat(check(wrapped, rule).outcome()).isEqualTo(Outcome.SHED);
        BucketStore throwing = new DownStore() {
            @Override
            public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
                throw new StoreOverloadedException("over budget");
            }
        };
        assertThat(check(new RateLimiter(throwing), rule).outcome()).isEqualTo(Outcome.SHED);
    }

    // ---- rules that count after the response ----------------------------------------------------------------------

    /** 5 tokens, 1 per second, cost 2, only failures take tokens. */
    private static final Rule LOGIN = Rule.builder("login").spec(BucketSpec.of(Limit.of(5, 1, RefillPeriod.SECOND)))
            .cost(2).countedResponses(CountedResponses.FAILURES).build();

    private static Verdict checkAvailable(RateLimiter limiter, Rule rule) {
        return limiter.checkAvailable(rule, "ip:10.0.0.1").toCompletableFuture().join();
    }

    private static void consumeAfter(RateLimiter limiter, Rule rule) {
        limiter.consumeAfterResponse(rule, "ip:10.0.0.1").toCompletableFuture().join();
    }

    @Test
    void checkAvailableTakesNothingAndDeniesOnceTheCostIsNotThere() {
        List<Verdict> seen = new ArrayList<>();
        RateLimiter limiter = new RateLimiter(chain(new InMemoryBucketStore(new ManualClock(0), 1_000)),
                FailurePolicy.FAIL_OPEN, 1, seen::add, Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            Verdict v = checkAvailable(limiter, LOGIN);
            assertThat(v.outcome()).isEqualTo(Outcome.ALLOWED);
            assertThat(v.decision().remaining()).isEqualTo(5);
            assertThat(v.decision().cost()).isEqualTo(2);
        }
        consumeAfter(limiter, LOGIN);
        consumeAfter(limiter, LOGIN);
        assertThat(checkAvailable(limiter, LOGIN).decision().remaining()).isEqualTo(1);
        Verdict denied = checkAvailable(limiter, LOGIN);
        assertThat(denied.outcome()).isEqualTo(Outcome.DENIED);
        assertThat(denied.rejectionStatus()).isEqualTo(429);
        assertThat(denied.retryAfterSeconds()).as("one more token, at 1 per second").isEqualTo(1);
        assertThat(new RateLimitHeaders().headers(denied))
                .contains(new RateLimitHeaders.Header("RateLimit", "\"login\";r=1;t=1"));
        // the listener heard the checks, not the takes
        assertThat(seen).hasSize(12);
        assertThat(limiter.afterResponseFailures()).isZero();
    }

    @Test
    void requestsInFlightTogetherOverrunByAtMostTheirNumber() {
        RateLimiter limiter = new RateLimiter(chain(new InMemoryBucketStore(new ManualClock(0), 1_000)));
        Rule one = Rule.builder("one").spec(BucketSpec.of(Limit.of(3, 1, RefillPeriod.HOUR)))
                .countedResponses(CountedResponses.FAILURES).build();
        consumeAfter(limiter, one);
        consumeAfter(limiter, one);
        // one token left: three concurrent requests all pass the check against it...
        for (int i = 0; i < 3; i++) {
            assertThat(checkAvailable(limiter, one).permitted()).isTrue();
        }
        // ...and all three fail; the first take empties the bucket, the others find nothing to take
        for (int i = 0; i < 3; i++) {
            consumeAfter(limiter, one);
        }
        assertThat(checkAvailable(limiter, one).permitted()).isFalse();
        assertThat(limiter.afterResponseFailures()).isZero();
    }

    @Test
    void duringAnOutageTheFailOpenLocalBucketIsCheckedAndTakesTheFailures() {
        List<Verdict> seen = new ArrayList<>();
        DownStore down = new DownStore();
        RateLimiter limiter = new RateLimiter(chain(down), FailurePolicy.FAIL_OPEN, 1, seen::add, Duration.ofSeconds(10),
                new FallbackBuckets(new ManualClock(0), 1_000));
        for (int i = 0; i < 5; i++) {
            Verdict v = checkAvailable(limiter, LOGIN);
            assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(v.permitted()).isTrue();
            assertThat(v.decision().remaining()).as("a check takes nothing locally either").isEqualTo(5);
        }
        consumeAfter(limiter, LOGIN);
        consumeAfter(limiter, LOGIN);
        assertThat(limiter.afterResponseFailures()).isEqualTo(2);
        Verdict denied = checkAvailable(limiter, LOGIN);
        assertThat(denied.degraded()).isTrue();
        assertThat(denied.permitted()).isFalse();
        assertThat(denied.rejectionStatus()).isEqualTo(429);
        assertThat(seen).hasSize(6);
        assertThat(down.calls).isEqualTo(8);
    }

    @Test
    void theOtherPoliciesApplyToTheCheckAsToAnyDecision() {
        RateLimiter limiter = new RateLimiter(new DownStore());
        Rule closed = Rule.builder("closed").spec(SEED).failurePolicy(FailurePolicy.FAIL_CLOSED)
                .countedResponses(CountedResponses.FAILURES).build();
        Verdict v = checkAvailable(limiter, closed);
        assertThat(v.permitted()).isFalse();
        assertThat(v.rejectionStatus()).isEqualTo(503);
        consumeAfter(limiter, closed);
        assertThat(limiter.afterResponseFailures()).isEqualTo(1);
        assertThat(limiter.fallbackBuckets().size()).as("fail-closed keeps no local bucket").isZero();

        Rule open = Rule.builder("open").spec(SEED).failurePolicy(FailurePolicy.FAIL_OPEN_UNBOUNDED)
                .countedResponses(CountedResponses.FAILURES).build();
        assertThat(checkAvailable(limiter, open).permitted()).isTrue();
    }

    @Test
    void anOverloadedStoreShedsTheCheckAndTheTakeIsCountedNotMadeLocally() {
        RateLimiter limiter = new RateLimiter(new DownStore(() -> new StoreOverloadedException("over budget")));
        assertThat(checkAvailable(limiter, LOGIN).outcome()).isEqualTo(Outcome.SHED);
        consumeAfter(limiter, LOGIN);
        assertThat(limiter.afterResponseFailures()).isEqualTo(1);
        assertThat(limiter.fallbackBuckets().size()).isZero();
    }

    @Test
    void aTakeThatThrowsIsCountedAndNeverThrown() {
        BucketStore throwing = new DownStore() {
            @Override
            public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
                throw new IllegalStateException("bug in a store");
            }
        };
        RateLimiter limiter = new RateLimiter(throwing);
        CompletionStage<Void> take = limiter.consumeAfterResponse(LOGIN, "ip:10.0.0.1");
        assertThat(take.toCompletableFuture().join()).isNull();
        assertThat(limiter.afterResponseFailures()).isEqualTo(1);
    }
}
