package io.tollgate.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.resilience.CircuitBreaker.State;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.ManualClock;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CircuitBreakingBucketStoreTest {

    private static final BucketSpec SPEC = BucketSpec.of(Limit.of(10, 1, RefillPeriod.SECOND));
    private static final long COOL_DOWN_MICROS = Duration.ofSeconds(2).toNanos() / 1_000;

    private final ManualClock clock = new ManualClock(1_000_000L);
    private final List<String> transitions = new CopyOnWriteArrayList<>();
    private final ScriptedStore inner = new ScriptedStore();
    private final CircuitBreaker breaker = new CircuitBreaker("test", 5, Duration.ofSeconds(2), clock,
            (from, to) -> transitions.add(from + "->" + to));
    private final CircuitBreakingBucketStore store = new CircuitBreakingBucketStore(inner, breaker);
    private ExecutorService pool;

    @AfterEach
    void shutdown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private CompletionStage<Decision> call() {
        return store.tryConsume("k", SPEC, 1);
    }

    private static Throwable failure(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private void openIt() {
        inner.mode = ScriptedStore.Mode.TIMEOUT;
        for (int i = 0; i < 5; i++) {
            assertThat(failure(call())).isInstanceOf(StoreException.class).isNotInstanceOf(CircuitOpenException.class);
        }
    }

    @Test
    void opensAfterThresholdConsecutiveFailures() {
        inner.mode = ScriptedStore.Mode.UNAVAILABLE;
        for (int i = 1; i <= 4; i++) {
            failure(call());
            assertThat(breaker.state()).isEqualTo(State.CLOSED);
            assertThat(breaker.consecutiveFailures()).isEqualTo(i);
        }
        inner.mode = ScriptedStore.Mode.TIMEOUT; // timeouts and unavailability both count
        failure(call());
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.timesOpened()).isEqualTo(1);
        assertThat(transitions).containsExactly("CLOSED->OPEN");
    }

    @Test
    void successResetsTheConsecutiveCount() {
        inner.mode = ScriptedStore.Mode.TIMEOUT;
        for (int i = 0; i < 4; i++) {
            failure(call());
        }
        inner.mode = ScriptedStore.Mode.ALLOW;
        assertThat(call().toCompletableFuture().join().allowed()).isTrue();
        assertThat(breaker.consecutiveFailures()).isZero();
        inner.mode = ScriptedStore.Mode.TIMEOUT;
        for (int i = 0; i < 4; i++) {
            failure(call());
        }
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void deniedDecisionIsASuccessAndNonStoreErrorsDoNotCount() {
        inner.mode = ScriptedStore.Mode.BUG;
        for (int i = 0; i < 10; i++) {
            assertThat(failure(call())).isInstanceOf(IllegalStateException.class);
        }
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.consecutiveFailures()).isZero();
    }

    @Test
    void failsFastWhileOpenWithoutCallingTheStore() {
        openIt();
        int before = inner.calls.get();
        for (int i = 0; i < 100; i++) {
            clock.advanceMicros(COOL_DOWN_MICROS / 200);
            Throwable t = failure(call());
            assertThat(t).isInstanceOf(CircuitOpenException.class).isInstanceOf(StoreUnavailableException.class);
            assertThat(t.getMessage()).startsWith("circuit open");
        }
        assertThat(failure(store.ping())).isInstanceOf(CircuitOpenException.class);
        assertThat(inner.calls.get()).isEqualTo(before);
        assertThat(store.describe()).contains("OPEN");
    }

    @Test
    void exactlyOneProbeAmongConcurrentCallersAfterCoolDown() throws Exception {
        openIt();
        clock.advanceMicros(COOL_DOWN_MICROS);
        inner.mode = ScriptedStore.Mode.HANG; // the probe stays in flight while everyone else arrives
        int before = inner.calls.get();
        pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CompletionStage<Decision>>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return call();
            }));
        }
        start.countDown();
        int fastFailures = 0;
        CompletableFuture<Decision> probe = null;
        for (Future<CompletionStage<Decision>> f : futures) {
            CompletableFuture<Decision> c = f.get(10, TimeUnit.SECONDS).toCompletableFuture();
            if (c.isCompletedExceptionally()) {
                assertThat(failure(c)).isInstanceOf(CircuitOpenException.class);
                fastFailures++;
            } else {
                probe = c;
            }
        }
        assertThat(inner.calls.get() - before).isEqualTo(1);
        assertThat(fastFailures).isEqualTo(49);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);

        // The probe succeeds: closed again, calls flow.
        @SuppressWarnings("unchecked")
        CompletableFuture<Decision> hung = (CompletableFuture<Decision>) inner.hanging.get(0);
        hung.complete(Decision.of(SPEC, 1, false, new long[] {0}, 0)); // a denial is a success
        assertThat(probe.join().allowed()).isFalse();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.consecutiveFailures()).isZero();
        inner.mode = ScriptedStore.Mode.ALLOW;
        assertThat(call().toCompletableFuture().join().allowed()).isTrue();
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void probeFailureReopensForAnotherCoolDown() {
        openIt();
        clock.advanceMicros(COOL_DOWN_MICROS);
        int before = inner.calls.get();
        assertThat(failure(call())).isInstanceOf(StoreException.class).isNotInstanceOf(CircuitOpenException.class);
        assertThat(inner.calls.get() - before).isEqualTo(1);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.timesOpened()).isEqualTo(2);

        clock.advanceMicros(COOL_DOWN_MICROS - 1);
        assertThat(failure(call())).isInstanceOf(CircuitOpenException.class);
        assertThat(inner.calls.get() - before).isEqualTo(1);

        clock.advanceMicros(1);
        inner.mode = ScriptedStore.Mode.ALLOW;
        assertThat(call().toCompletableFuture().join().allowed()).isTrue();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
                "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void pingGoesThroughTheBreakerAndCanBeTheProbe() {
        openIt();
        clock.advanceMicros(COOL_DOWN_MICROS);
        inner.mode = ScriptedStore.Mode.ALLOW;
        int before = inner.calls.get();
        store.ping().toCompletableFuture().join();
        assertThat(inner.calls.get() - before).isEqualTo(1);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void staleOutcomesFromBeforeTheOpeningAreIgnored() {
        inner.mode = ScriptedStore.Mode.HANG;
        CompletionStage<Decision> slow = call(); // started while closed
        openIt();
        clock.advanceMicros(COOL_DOWN_MICROS);
        inner.mode = ScriptedStore.Mode.HANG;
        call(); // the probe, in flight
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        // The old call now succeeds: it must not close the breaker on the probe's behalf.
        @SuppressWarnings("unchecked")
        CompletableFuture<Decision> old = (CompletableFuture<Decision>) inner.hanging.get(0);
        old.complete(Decision.of(SPEC, 1, true, new long[] {0}, 0));
        assertThat(slow.toCompletableFuture().join().allowed()).isTrue();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    }

    @Test
    void lostProbeIsReplacedAfterACoolDown() {
        openIt();
        clock.advanceMicros(COOL_DOWN_MICROS);
        inner.mode = ScriptedStore.Mode.HANG;
        call(); // never completes
        int before = inner.calls.get();
        clock.advanceMicros(COOL_DOWN_MICROS - 1);
        assertThat(failure(call())).isInstanceOf(CircuitOpenException.class);
        clock.advanceMicros(1);
        inner.mode = ScriptedStore.Mode.ALLOW;
        assertThat(call().toCompletableFuture().join().allowed()).isTrue();
        assertThat(inner.calls.get() - before).isEqualTo(1);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void ignoredProbeOutcomeFreesTheProbeSlot() {
        openIt();
        clock.advanceMicros(COOL_DOWN_MICROS);
        inner.mode = ScriptedStore.Mode.BUG;
        assertThat(failure(call())).isInstanceOf(IllegalStateException.class);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        inner.mode = ScriptedStore.Mode.ALLOW;
        assertThat(call().toCompletableFuture().join().allowed()).isTrue();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void anAllOrNothingRequestCountsAsOneOutcomeAndIsRefusedWhileOpen() {
        List<BucketCall> calls = List.of(new BucketCall("a", SPEC, 1), new BucketCall("b", SPEC, 0));
        assertThat(store.tryConsumeAll(calls).toCompletableFuture().join()).hasSize(2);
        inner.mode = ScriptedStore.Mode.UNAVAILABLE;
        for (int i = 0; i < 5; i++) {
            assertThat(failure(store.tryConsumeAll(calls))).isInstanceOf(StoreUnavailableException.class);
        }
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        int reached = inner.calls.get();
        assertThat(failure(store.tryConsumeAll(calls))).isInstanceOf(CircuitOpenException.class);
        assertThat(inner.calls.get()).isEqualTo(reached);
    }
}
