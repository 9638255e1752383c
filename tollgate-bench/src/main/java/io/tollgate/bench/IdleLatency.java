package io.tollgate.bench;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Latency of a decision with one call in flight: each call is sent only after the previous one was answered, so
 * there is no queue to wait in and nothing for a batching client to batch. Bounded by a count and a time, whichever
 * comes first; a call that fails or takes over 5 s counts as an error and not as a latency.
 */
final class IdleLatency {

    /** Percentiles of the answered calls, in µs, and the CPU the run used. */
    record Result(long calls, long errors, double p50Micros, double p99Micros, CpuSample cpu) {

        double clientCpuMicrosPerCall() {
            return cpu.clientMicrosPer(calls + errors);
        }

        double serverCpuMicrosPerCall() {
            return cpu.serverMicrosPer(calls + errors);
        }
    }

    private IdleLatency() {
    }

    static <T> Result run(AsyncWindow.Op<T> op, long maxCalls, long millis) throws InterruptedException {
        long[] nanos = new long[(int) Math.min(maxCalls, 10_000_000)];
        int answered = 0;
        long errors = 0;
        CpuSample cpu0 = CpuSample.now();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long i = 0; i < nanos.length && System.nanoTime() < deadline; i++) {
            long t0 = System.nanoTime();
            try {
                op.call(i).toCompletableFuture().get(5, TimeUnit.SECONDS);
                nanos[answered++] = System.nanoTime() - t0;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                errors++;
            }
        }
        CpuSample used = CpuSample.now().since(cpu0);
        Arrays.sort(nanos, 0, answered);
        return new Result(answered, errors, percentile(nanos, answered, 0.50), percentile(nanos, answered, 0.99), used);
    }

    /** Nearest-rank percentile of the first {@code n} (sorted) values, in µs. */
    static double percentile(long[] sorted, int n, double q) {
        if (n == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * n);
        return sorted[Math.max(0, rank - 1)] / 1e3;
    }
}
