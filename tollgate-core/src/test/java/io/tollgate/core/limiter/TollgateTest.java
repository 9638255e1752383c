package io.tollgate.core.limiter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.ForwardingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.StoreUnavailableException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The programmatic API on the in-memory store, in real time (waits of a few hundred milliseconds). */
class TollgateTest {

    /** 2 burst, 10 per second: a token every 100 ms. */
    static final BucketSpec PARTNER = BucketSpec.of(Limit.of(2, 10, RefillPeriod.SECOND));

    private final InMemoryBucketStore store = new InMemoryBucketStore();
    private final Tollgate tollgate = Tollgate.builder().store(store)
            .rules(RuleSet.of(List.of(Rule.builder("partner").spec(PARTNER).build(),
                    Rule.builder("slow").spec(BucketSpec.of(Limit.of(1, 1, RefillPeriod.HOUR))).build())))
            .build();

    @AfterEach
    void close() {
        tollgate.close();
    }

    @Test
    void tryAcquireTakesOrSaysNoAndNeverWaits() {
        RuleLimiter partner = tollgate.limiter("partner");
        assertThat(join(partner.tryAcquire("acme")).granted()).isTrue();
        assertThat(join(partner.tryAcquire("acme")).remaining()).isZero();
        Permit no = join(partner.tryAcquire("acme"));
        assertThat(no.granted()).isFalse();
        assertThat(no.retryAfter()).isBetween(Duration.ofMillis(1), Duration.ofMillis(100));
        // another key has a bucket of its own
        assertThat(join(partner.tryAcquire("globex", 2)).granted()).isTrue();
    }

    @Test
    void waitersGetTheirTokensSpacedByTheRateAndWakeInReservationOrder() {
        RuleLimiter partner = tollgate.limiter("partner");
        long start = System.nanoTime();
        List<Integer> woke = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Permit>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            calls.add(partner.acquire("acme", 1, Duration.ofSeconds(1)).toCompletableFuture()
                    .whenComplete((p, e) -> woke.add(n)));
        }
        List<Permit> permits = calls.stream().map(CompletableFuture::join).toList();
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(woke).containsExactly(0, 1, 2, 3, 4, 5);
        // two from the burst at once, then each queued behind the one before: one token per 100 ms, exactly
        for (int i = 0; i < 6; i++) {
            assertThat(permits.get(i).granted()).isTrue();
        }
        assertThat(permits.get(0).verdict().decision().aheadMicros()).isZero();
        assertThat(permits.get(1).verdict().decision().aheadMicros()).isZero();
        assertThat(permits.get(2).verdict().decision().aheadMicros()).isPositive();
        for (int i = 3; i < 6; i++) {
            assertThat(permits.get(i).verdict().decision().timestampMicros()
                    - permits.get(i - 1).verdict().decision().timestampMicros()).as("reservation %d", i)
                    .isEqualTo(100_000L);
        }
        // nobody is woken before its tokens exist, and none waits past its longest wait
        for (Permit p : permits) {
            assertThat(p.waited()).isGreaterThanOrEqualTo(Duration.of(p.verdict().decision().aheadMicros(),
                    java.time.temporal.ChronoUnit.MICROS)).isLessThan(Duration.ofSeconds(1));
        }
        assertThat(elapsedMs).isGreaterThanOrEqualTo(300).isLessThan(1_000);
    }

    @Test
    void aLateAnswerForAnEarlierReservationHoldsLaterWaitersBack() throws Exception {
        // The store grants A before B, but A's answer reaches this instance late (its caller descheduled, say):
        // B must not wake before A, although B's own wait is over by then.
        CompletableFuture<Void> releaseA = new CompletableFuture<>();
        BucketStore lateFirstAnswer = new ForwardingBucketStore(store) {
            private boolean first = true;

            @Override
            public synchronized CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost,
                    long maxWait) {
                CompletionStage<Decision> granted = delegate.tryReserve(bucketKey, spec, cost, maxWait);
                if (first) {
                    first = false;
                    return granted.thenCombine(releaseA, (d, x) -> d);
                }
                return granted;
            }

            @Override
            public String describe() {
                return "late first answer";
            }

            @Override
            public void close() {
                // borrows the test's own store: not this wrapper's to close
            }
        };
        try (Tollgate late = Tollgate.builder().store(lateFirstAnswer)
                .rules(RuleSet.of(List.of(Rule.builder("partner").spec(PARTNER).build()))).build()) {
            RuleLimiter partner = late.limiter("partner");
            assertThat(join(partner.tryAcquire("acme", 2)).granted()).isTrue();
            List<String> woke = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Permit> a = partner.acquire("acme", 1, Duration.ofSeconds(2)).toCompletableFuture()
                    .whenComplete((p, e) -> woke.add("A"));
            CompletableFuture<Permit> b = partner.acquire("acme", 1, Duration.ofSeconds(2)).toCompletableFuture()
                    .whenComplete((p, e) -> woke.add("B"));
            // B's tokens come 100 ms after A's, about 200 ms from now; wait well past that
            Thread.sleep(400);
            assertThat(b).as("B waits behind A's unanswered reservation").isNotDone();
            releaseA.complete(null);
            Permit pa = a.get(5, TimeUnit.SECONDS);
            Permit pb = b.get(5, TimeUnit.SECONDS);
            assertThat(woke).containsExactly("A", "B");
            assertThat(pb.verdict().decision().timestampMicros() - pa.verdict().decision().timestampMicros())
                    .isEqualTo(100_000L);
            assertThat(pa.waited()).as("A woke no earlier than its tokens exist, counted from its late answer")
                    .isGreaterThanOrEqualTo(Duration.of(pa.verdict().decision().aheadMicros(), ChronoUnit.MICROS));
            assertThat(late.wakeQueue().waitingBuckets()).isZero();
        }
    }

    @Test
    void aReservationImpossibleWithinMaxWaitFailsAtOnceAndTakesNothing() {
        RuleLimiter partner = tollgate.limiter("partner");
        join(partner.tryAcquire("acme", 2));
        long start = System.nanoTime();
        assertThatThrownBy(() -> join(partner.acquire("acme", 2, Duration.ofMillis(150))))
                .hasCauseInstanceOf(RateLimitExceededException.class)
                .cause().hasMessageContaining("rate limit \"partner\" exceeded");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
        // nothing was taken: the bucket refills as if the reservation never happened
        Estimate e = join(partner.estimate("acme", 2));
        assertThat(e.allowedNow()).isFalse();
        assertThat(e.waitTime()).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        // more than the capacity can never be had: a mistake in the call, not a wait
        assertThatThrownBy(() -> partner.acquire("acme", 3, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cost 3 is above the capacity of rule \"partner\" (2@10/second): it could never be"
                        + " acquired, however long the wait");
        // tryAcquire of as much is an ordinary denial that says it will never pass
        Permit never = join(partner.tryAcquire("acme", 3));
        assertThat(never.granted()).isFalse();
        assertThat(never.retryAfter()).isGreaterThan(Duration.ofDays(365));
    }

    @Test
    void blockingAcquireReturnsOnceTheTokensAreTheCallers() throws Exception {
        RuleLimiter partner = tollgate.limiter("partner");
        join(partner.tryAcquire("acme", 2));
        Permit p = partner.acquireBlocking("acme", 1, Duration.ofSeconds(1));
        assertThat(p.granted()).isTrue();
        assertThat(p.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(80)).isLessThan(Duration.ofMillis(1000));
        // one token an hour: the next cannot be had within a second
        assertThat(tollgate.limiter("slow").acquireBlocking("k", 1, Duration.ofSeconds(1)).granted()).isTrue();
        assertThatThrownBy(() -> tollgate.limiter("slow").acquireBlocking("k", 1, Duration.ofSeconds(1)))
                .isInstanceOf(RateLimitExceededException.class);
    }

    @Test
    void estimateTakesNothing() {
        RuleLimiter partner = tollgate.limiter("partner");
        for (int i = 0; i < 5; i++) {
            Estimate e = join(partner.estimate("acme", 1));
            assertThat(e.allowedNow()).isTrue();
            assertThat(e.remaining()).isEqualTo(2);
            assertThat(e.waitTime()).isZero();
        }
    }

    @Test
    void badAcquireArgumentsAreNamedAndTakeNothing() {
        RuleLimiter partner = tollgate.limiter("partner");
        assertThatThrownBy(() -> partner.acquire("acme", 0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cost must be at least 1, got 0");
        assertThatThrownBy(() -> partner.acquire("acme", -2, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cost must be at least 1, got -2");
        assertThatThrownBy(() -> partner.acquire("acme", 1, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWait must not be negative, got PT-0.005S");
        assertThatThrownBy(() -> partner.acquireBlocking("acme", 3, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cost 3 is above the capacity");
        // none of them took a token, and none left a place in the wake order behind
        assertThat(join(partner.estimate("acme", 2)).allowedNow()).isTrue();
        assertThat(tollgate.wakeQueue().waitingBuckets()).isZero();
        assertThat(join(partner.acquire("acme", 2, Duration.ZERO)).waited()).isZero();
    }

    @Test
    void anUnknownRuleIsNamedWithTheRulesThereAre() {
        assertThatThrownBy(() -> tollgate.limiter("stripe"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no rate-limit rule named \"stripe\"; the rules are \"partner\", \"slow\"");
    }

    @Test
    void aFailingStoreMeetsTheFailurePolicyWithoutWaiting() {
        BucketStore down = new BucketStore() {
            @Override
            public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
                return CompletableFuture.failedFuture(new StoreUnavailableException("down"));
            }

            @Override
            public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWait) {
                return CompletableFuture.failedFuture(new StoreUnavailableException("down"));
            }

            @Override
            public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
                return CompletableFuture.failedFuture(new StoreUnavailableException("down"));
            }

            @Override
            public CompletionStage<Void> ping() {
                return CompletableFuture.failedFuture(new StoreUnavailableException("down"));
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
        };
        try (Tollgate t = Tollgate.builder().store(down)
                .rules(RuleSet.of(List.of(Rule.builder("partner").spec(PARTNER).build(),
                        Rule.builder("closed").spec(PARTNER).failurePolicy(FailurePolicy.FAIL_CLOSED).build())))
                .build()) {
            // fail-open: a local bucket with the rule's full limit, decided at once
            Permit p = join(t.limiter("partner").acquire("acme", 2, Duration.ofSeconds(5)));
            assertThat(p.granted()).isTrue();
            assertThat(p.verdict().degraded()).isTrue();
            assertThat(p.waited()).isZero();
            assertThatThrownBy(() -> join(t.limiter("partner").acquire("acme", 1, Duration.ofSeconds(5))))
                    .cause().isInstanceOf(RateLimitExceededException.class);
            assertThatThrownBy(() -> join(t.limiter("closed").acquire("acme", 1, Duration.ofSeconds(5))))
                    .cause().isInstanceOf(RateLimitExceededException.class).hasMessageContaining("fail-closed");
        }
    }

    private static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new CompletionException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
