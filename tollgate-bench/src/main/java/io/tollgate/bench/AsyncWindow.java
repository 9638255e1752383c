package io.tollgate.bench;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Drives an async operation with a fixed window of calls in flight (a {@link Semaphore}), from one submitting thread,
 * for a bounded time and a bounded count. Completions release the permit on whatever thread completes them.
 */
public final class AsyncWindow {

    /** One call; {@code i} is the sequence number. The stage's value is classified by {@link #allowed}. */
    @FunctionalInterface
    public interface Op<T> {
        CompletionStage<T> call(long i);
    }

    @FunctionalInterface
    public interface Classifier<T> {
        boolean allowed(T value);
    }

    /** Completed calls, allowed ones, errors, the wall time they took and the CPU used meanwhile. */
    public record Result(long completed, long allowed, long errors, long nanos, CpuSample cpu) {

        /** CPU time of this JVM (all threads) per completed call, in microseconds: robust to a busy machine. */
        public double clientCpuMicrosPerCall() {
            return cpu.clientMicrosPer(completed);
        }

        /** CPU time of redis-server per completed call (each call is one decision), in µs; NaN when unknown. */
        public double serverCpuMicrosPerCall() {
            return cpu.serverMicrosPer(completed);
        }

        public double perSecond() {
            return completed * 1e9 / nanos;
        }

        public double allowedFraction() {
            return completed == 0 ? 0 : (double) allowed / completed;
        }

        /** Two runs of the same phase as one: counts, times and CPU added up. */
        public Result plus(Result other) {
            return new Result(completed + other.completed, allowed + other.allowed, errors + other.errors,
                    nanos + other.nanos, cpu.plus(other.cpu));
        }
    }

    private AsyncWindow() {
    }

    public static <T> Result run(int window, long durationMillis, long maxCalls, Op<T> op, Classifier<T> classify)
            throws InterruptedException {
        return run(window, durationMillis, maxCalls, op, classify, null, 0);
    }

    /**
     * As {@link #run(int, long, long, Op, Classifier)}, calling {@code flush} after every {@code flushEvery} calls and
     * before waiting for a permit (for connections with auto-flush off).
     */
    public static <T> Result run(int window, long durationMillis, long maxCalls, Op<T> op, Classifier<T> classify,
            Runnable flush, int flushEvery) throws InterruptedException {
        Semaphore permits = new Semaphore(window);
        LongAdder done = new LongAdder();
        LongAdder allowed = new LongAdder();
        LongAdder errors = new LongAdder();
        BiConsumer<T, Throwable> onDone = (v, e) -> {
            if (e != null) {
                errors.increment();
            } else if (classify.allowed(v)) {
                allowed.increment();
            }
            done.increment();
            permits.release();
        };
        CpuSample cpu0 = CpuSample.now();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(durationMillis);
        long i = 0;
        while (i < maxCalls) {
            if (!permits.tryAcquire()) {
                if (flush != null) {
                    flush.run();
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
                if (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
            }
            if ((i & 63) == 0 && System.nanoTime() >= deadline) {
                permits.release();
                break;
            }
            try {
                op.call(i++).whenComplete(onDone);
                if (flush != null && i % flushEvery == 0) {
                    flush.run();
                }
            } catch (RuntimeException e) {
                onDone.accept(null, e);
            }
        }
        if (flush != null) {
            flush.run();
        }
        // Drain: wait for everything in flight (bounded).
        if (!permits.tryAcquire(window, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("calls still in flight 30 s after the run");
        }
        long nanos = System.nanoTime() - start;
        return new Result(done.sum(), allowed.sum(), errors.sum(), nanos, CpuSample.now().since(cpu0));
    }
}
