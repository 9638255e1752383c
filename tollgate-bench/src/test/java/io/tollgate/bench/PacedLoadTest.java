package io.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The open loop's schedule, its bounds and its counting; no timing is asserted (the machine is shared). */
class PacedLoadTest {

    @Test
    void callsAreDueAtFixedIntervalsFromTheStartWithoutDrift() {
        assertThat(PacedLoad.due(1_000, 0, 4)).isEqualTo(1_000);
        assertThat(PacedLoad.due(1_000, 1, 4)).isEqualTo(1_000 + 250_000_000);
        // from the start, not from the previous call: 3 calls/s is 333,333,333.3 ns apart, and no rounding adds up
        assertThat(PacedLoad.due(0, 3_000_000, 3)).isEqualTo(1_000_000L * 1_000_000_000L);
    }

    @Test
    void theCountIsTheRateTimesTheDurationBoundedByMaxCalls() {
        assertThat(PacedLoad.callsFor(20_000, 3_000, 2_000_000)).isEqualTo(60_000);
        assertThat(PacedLoad.callsFor(20_000, 3_000, 1_000)).isEqualTo(1_000);
        assertThat(PacedLoad.callsFor(0.5, 1_000, 1_000)).isEqualTo(1);
    }

    @Test
    void failedCallsAreErrorsAndNotLatencies() throws InterruptedException {
        PacedLoad.Result r = PacedLoad.run(2_000, 8, 100, 1_000_000,
                i -> i % 10 == 0 ? CompletableFuture.failedFuture(new IllegalStateException("no"))
                        : i % 10 == 1 ? failWhenCalled() : CompletableFuture.completedFuture(i % 2 == 0),
                allowed -> allowed);
        assertThat(r.calls() + r.errors()).isEqualTo(200);
        assertThat(r.errors()).isEqualTo(40);
        assertThat(r.allowed()).isEqualTo(80);
        assertThat(r.waitedForPermit()).isZero();
        assertThat(r.p50Micros()).isLessThanOrEqualTo(r.p99Micros());
        assertThat(r.p99Micros()).isLessThanOrEqualTo(r.p999Micros());
        assertThat(r.p999Micros()).isLessThanOrEqualTo(r.maxMicros());
    }

    @Test
    void nearestRankPercentiles() {
        long[] sorted = new long[1000];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = (i + 1) * 1_000L;
        }
        assertThat(IdleLatency.percentile(sorted, 1000, 0.50)).isEqualTo(500);
        assertThat(IdleLatency.percentile(sorted, 1000, 0.99)).isEqualTo(990);
        assertThat(IdleLatency.percentile(sorted, 1000, 0.999)).isEqualTo(999);
        assertThat(IdleLatency.percentile(sorted, 1000, 1.0)).isEqualTo(1000);
        assertThat(IdleLatency.percentile(sorted, 0, 0.5)).isNaN();
    }

    private static CompletableFuture<Boolean> failWhenCalled() {
        throw new IllegalStateException("the op itself throws");
    }
}
