package io.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.tollgate.envoy.config.DescriptorEntry;
import io.tollgate.envoy.config.EnvoyConfig;
import io.tollgate.envoy.service.EnvoyLimiter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gRPC phase's pure parts: its rule, what counts as a problem, the warm-up tests and the CPU split. */
class GrpcPhaseTest {

    @Test
    void theConfigIsTheRuleOfCaseA() {
        EnvoyConfig config = EnvoyConfig.parse("bench.yaml", GrpcPhase.CONFIG);
        var match = config.match(GrpcPhase.DOMAIN, List.of(DescriptorEntry.of("client", "c9999"))).orElseThrow();
        assertThat(match.rule().spec()).isEqualTo(RedisBench.ALLOWED);
    }

    @Test
    void errorsDegradedAndUnansweredCallsAreProblems() {
        assertThat(new GrpcPhase.Tally(10, 10, 0, 0, null).clean()).isTrue();
        GrpcPhase.Tally bad = new GrpcPhase.Tally(10, 7, 2, 1, "DEADLINE_EXCEEDED");
        assertThat(bad.clean()).isFalse();
        assertThat(bad.unanswered()).isEqualTo(1);
        assertThat(bad.problems()).isEqualTo("2 errors (first: DEADLINE_EXCEEDED), 1 degraded (failure policy or shed),"
                + " 1 unanswered");
        assertThat(new GrpcPhase.Tally(10, 10, 0, 3, null).clean()).isFalse();
    }

    @Test
    void aDegradedOrShedAnswerIsToldApart() {
        RateLimitResponse ok = RateLimitResponse.newBuilder().setOverallCode(RateLimitResponse.Code.OK).build();
        assertThat(GrpcPhase.degraded(ok)).isFalse();
        assertThat(GrpcPhase.degraded(ok.toBuilder().addResponseHeadersToAdd(HeaderValue.newBuilder()
                .setKey(EnvoyLimiter.DEGRADED_HEADER).setValue("fail-open")).build())).isTrue();
        assertThat(GrpcPhase.degraded(ok.toBuilder().addResponseHeadersToAdd(HeaderValue.newBuilder()
                .setKey("retry-after").setValue("1")).build())).isTrue();
    }

    @Test
    void twoSlicesWithinFivePercentAreSteady() {
        assertThat(GrpcPhase.steady(Double.NaN, 100)).isFalse();
        assertThat(GrpcPhase.steady(100, 105)).isTrue();
        assertThat(GrpcPhase.steady(100, 94)).isFalse();
    }

    @Test
    void theJitIsQuietBelowATenthOfTheSlice() {
        assertThat(GrpcPhase.jitQuiet(new JvmWork(100, 0), 1_000)).isTrue();
        assertThat(GrpcPhase.jitQuiet(new JvmWork(101, 0), 1_000)).isFalse();
        assertThat(GrpcPhase.jitQuiet(new JvmWork(-1, -1), 1_000)).isTrue();
    }

    @Test
    void theCpuSplitPerDecisionLeavesTheUnnamedRestToTheProcess() {
        GrpcPhase.CpuSplit s = GrpcPhase.CpuSplit.of(new long[] {1_000_000, 2_000_000, 3_000_000, 500_000},
                10_000_000, 1_000, new JvmWork(12, 3));
        assertThat(s.client()).isEqualTo(1.0);
        assertThat(s.server()).isEqualTo(2.0);
        assertThat(s.store()).isEqualTo(3.0);
        assertThat(s.submitter()).isEqualTo(0.5);
        assertThat(s.rest()).isEqualTo(3.5);
        assertThat(s).hasToString("client 1.0, server 2.0, store 3.0, submitter 0.5, rest 3.5"
                + " (JIT 12 ms, GC 3 ms in the run)");
        assertThat(GrpcPhase.CpuSplit.of(new long[] {-1, -1, -1, -1}, 10, 1, new JvmWork(-1, -1)).client()).isNaN();
    }

    @Test
    void theTargetsAreMetOnlyWithEveryCallAnsweredCleanly() {
        CpuSample cpu = new CpuSample(-1, -1);
        AsyncWindow.Result store = new AsyncWindow.Result(100_000, 100_000, 0, 1_000_000_000, cpu);
        AsyncWindow.Result sat = new AsyncWindow.Result(80_000, 80_000, 0, 1_000_000_000, cpu);
        GrpcPhase.Tally clean = new GrpcPhase.Tally(80_000, 80_000, 0, 0, null);
        GrpcPhase.Tally degraded = new GrpcPhase.Tally(80_000, 80_000, 0, 1, null);
        PacedLoad.Result fast = paced(1_999, 0);
        GrpcPhase.Result met = result(sat, clean, fast, clean);
        assertThat(met.shareOf(store)).isEqualTo(0.8);
        assertThat(met.throughputMet(store)).isTrue();
        assertThat(met.latencyMet()).isTrue();
        assertThat(result(sat, degraded, fast, degraded).throughputMet(store)).isFalse();
        assertThat(result(sat, clean, fast, degraded).latencyMet()).isFalse();
        assertThat(result(sat, clean, paced(2_001, 0), clean).latencyMet()).isFalse();
        // a call that had to wait for a permit means the load was not open: its p99 does not count as met
        assertThat(result(sat, clean, paced(1_000, 1), clean).latencyMet()).isFalse();
        AsyncWindow.Result slow = new AsyncWindow.Result(79_999, 79_999, 0, 1_000_000_000, cpu);
        assertThat(result(slow, clean, fast, clean).throughputMet(store)).isFalse();

        String table = new GrpcTable(met, store, null).markdown();
        assertThat(table).contains("| 80,000/s | 80% | n/a |", "| ≥80% of the store | yes |", "| p99 ≤2 ms | yes |");
        assertThat(new GrpcTable(GrpcPhase.Result.failed("boom"), store, null).markdown())
                .contains("gRPC phase failed: boom");
    }

    private static PacedLoad.Result paced(double p99Micros, long waited) {
        return new PacedLoad.Result(40_000, 40_000, 120_000, 120_000, 0, waited, 300, p99Micros, p99Micros,
                p99Micros, new CpuSample(-1, -1));
    }

    private static GrpcPhase.Result result(AsyncWindow.Result sat, GrpcPhase.Tally satTally, PacedLoad.Result half,
            GrpcPhase.Tally halfTally) {
        GrpcPhase.CpuSplit none = GrpcPhase.CpuSplit.of(new long[] {-1, -1, -1, -1}, -1, 0, new JvmWork(-1, -1));
        return new GrpcPhase.Result(sat, satTally, none, half, halfTally, none, "1, 2 calls/s", "JIT 0 ms", null);
    }

    @Test
    void threadsGoToTheFirstGroupWithAMatchingPrefix() {
        ThreadCpu t = new ThreadCpu(List.of(List.of("bench-grpc-client"), List.of("grpc-"), List.of("lettuce-")));
        assertThat(t.groupOf("bench-grpc-client-1-1")).isZero();
        assertThat(t.groupOf("grpc-default-worker-ELG-3-2")).isEqualTo(1);
        assertThat(t.groupOf("lettuce-epollEventLoop-4-1")).isEqualTo(2);
        assertThat(t.groupOf("main")).isEqualTo(-1);
        assertThat(ThreadCpu.since(new long[] {5, -1, 3}, new long[] {2, 1, 4})).containsExactly(3, -1, 0);
    }
}
