package io.tollgate.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Latency of a decision with one call in flight: each call is sent only after the previous one was answered, so
 * there is no queue to wait in and nothing for a batching client to batch. Bounded by a count and a time, whichever
 * comes first; a call that fails or takes over 5 s counts as an error and not as a latency.
 */
final class IdleLatency {

    /**
     * Percentiles of the answered calls, in µs, and the CPU the run used; {@code sortedNanos} holds the latency of
     * every answered call, sorted, so that runs can be {@linkplain #pooled pooled}.
     */
    record Result(long calls, long errors, double p50Micros, double p99Micros, CpuSample cpu, long[] sortedNanos) {

        /** One result of several runs of the same client: their calls, errors and CPU added, percentiles of all. */
        static Result pooled(List<Result> runs) {
            int n = 0;
            for (Result r : runs) {
                n += r.sortedNanos.length;
            }
            long[] all = new long[n];
            int at = 0;
            long errors = 0;
            CpuSample cpu = new CpuSample(0, 0);
            for (Result r : runs) {
                System.arraycopy(r.sortedNanos, 0, all, at, r.sortedNanos.length);
                at += r.sortedNanos.length;
                errors += r.errors;
                cpu = cpu.plus(r.cpu);
            }
            Arrays.sort(all);
            return new Result(n, errors, percentile(all, n, 0.50), percentile(all, n, 0.99), cpu, all);
        }

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
        return new Result(answered, errors, percentile(nanos, answered, 0.50), percentile(nanos, answered, 0.99), used,
                Arrays.copyOf(nanos, answered));
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
