package io.tollgate.bench;

import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Latency under a fixed offered load (open loop): call {@code i} is due at {@link #due start + i / rate}, whatever
 * became of the calls before it, and its latency runs from that due time to its answer, so a sender that fell behind
 * or a call that waited for a permit shows up in the figures instead of silently lowering the load (coordinated
 * omission). Never more than {@code maxInFlight} calls in flight: a due call that finds the window full waits for a
 * permit, counted in {@link Result#waitedForPermit()}, which then means the load was no longer open. One submitting
 * thread that parks between due times (no spinning: it shares the cores with what it measures), so a call can go out
 * a timer slack late, which its latency then includes. Bounded by a count (the rate times the duration, at most
 * {@code maxCalls}) and a time (sending stops twice the duration after the start); a call that fails counts as an
 * error and not as a latency.
 */
final class PacedLoad {

    /**
     * {@code calls} answered (their latencies make the percentiles, in µs) and {@code errors}; {@code offered} is the
     * rate asked for and {@code sentPerSecond} the rate the calls really went out at (first to last send).
     */
    record Result(double offered, double sentPerSecond, long calls, long allowed, long errors, long waitedForPermit,
                  double p50Micros, double p99Micros, double p999Micros, double maxMicros, CpuSample cpu) {

        double allowedFraction() {
            return calls == 0 ? 0 : (double) allowed / calls;
        }

        double clientCpuMicrosPerCall() {
            return cpu.clientMicrosPer(calls + errors);
        }

        double serverCpuMicrosPerCall() {
            return cpu.serverMicrosPer(calls + errors);
        }
    }

    private PacedLoad() {
    }

    /** When call {@code i} is due at {@code perSecond} calls a second from {@code start}: no drift over a long run. */
    static long due(long start, long i, double perSecond) {
        return start + (long) (i * 1e9 / perSecond);
    }

    /** How many calls {@code perSecond} makes in {@code millis}, at most {@code maxCalls} (and at least 1). */
    static int callsFor(double perSecond, long millis, long maxCalls) {
        return (int) Math.max(1, Math.min(Math.min(maxCalls, 50_000_000L), (long) (perSecond * millis / 1000)));
    }

    static <T> Result run(double perSecond, int maxInFlight, long millis, long maxCalls, AsyncWindow.Op<T> op,
            AsyncWindow.Classifier<T> classify) throws InterruptedException {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, got " + perSecond);
        }
        int n = callsFor(perSecond, millis, maxCalls);
        // One slot per call, written by whichever thread completes it (-1: failed), read after the drain below: the
        // permits' release/acquire orders the writes before the reads.
        long[] nanos = new long[n];
        Semaphore permits = new Semaphore(maxInFlight);
        LongAdder allowed = new LongAdder();
        long waited = 0;
        CpuSample cpu0 = CpuSample.now();
        long start = System.nanoTime() + 1_000_000;
        long cutoff = start + 2 * TimeUnit.MILLISECONDS.toNanos(millis);
        long lastSend = start;
        int sent = 0;
        for (; sent < n; sent++) {
            long due = due(start, sent, perSecond);
            if (System.nanoTime() >= cutoff) {
                break;
            }
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (!permits.tryAcquire()) {
                waited++;
                if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no call of " + maxInFlight + " in flight answered in 30 s");
                }
            }
            int slot = sent;
            try {
                op.call(slot).whenComplete((v, e) -> {
                    if (e == null) {
                        nanos[slot] = Math.max(0, System.nanoTime() - due);
                        if (classify.allowed(v)) {
                            allowed.increment();
                        }
                    } else {
                        nanos[slot] = -1;
                    }
                    permits.release();
                });
            } catch (RuntimeException e) {
                nanos[slot] = -1;
                permits.release();
            }
            lastSend = System.nanoTime();
        }
        double sentPerSecond = sent <= 1 ? Double.NaN : (sent - 1) * 1e9 / Math.max(1, lastSend - start);
        if (!permits.tryAcquire(maxInFlight, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("calls still in flight 30 s after the run");
        }
        CpuSample used = CpuSample.now().since(cpu0);
        Arrays.sort(nanos, 0, sent);
        int errors = 0;
        while (errors < sent && nanos[errors] < 0) {
            errors++;
        }
        long[] ok = Arrays.copyOfRange(nanos, errors, sent);
        int calls = ok.length;
        return new Result(perSecond, sentPerSecond, calls, allowed.sum(), errors, waited,
                IdleLatency.percentile(ok, calls, 0.50), IdleLatency.percentile(ok, calls, 0.99),
                IdleLatency.percentile(ok, calls, 0.999), IdleLatency.percentile(ok, calls, 1.0), used);
    }
}
