package io.tollgate.core.limiter;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Wakes waiting acquisitions when their reservation comes due, per bucket in the order the store granted them.
 *
 * <p>The store answers the reservations of one bucket in the order it made them, so each new waiter is chained behind
 * the previous one of its bucket: it wakes at its own due time, never before the one ahead of it. Futures complete on
 * the one timer thread of this queue, so dependent stages should not block (use the async variants for work).
 * Memory: an entry per bucket only while someone waits on it.
 */
final class WakeQueue implements AutoCloseable {

    private final ScheduledThreadPoolExecutor timer;
    private final ConcurrentHashMap<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

    WakeQueue() {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tollgate-acquire-waker");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * A future that completes at {@code dueNanos} ({@link System#nanoTime()} scale), and not before the previous
     * waiter of {@code bucketKey} woke. Call in the order the store granted the reservations.
     */
    CompletableFuture<Void> wakeAt(String bucketKey, long dueNanos) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> ahead = tails.put(bucketKey, mine);
        Runnable wake = () -> {
            tails.remove(bucketKey, mine);
            mine.complete(null);
        };
        Runnable schedule = () -> {
            long delay = dueNanos - System.nanoTime();
            if (delay <= 0) {
                wake.run();
            } else {
                timer.schedule(wake, delay, TimeUnit.NANOSECONDS);
            }
        };
        if (ahead == null || ahead.isDone()) {
            schedule.run();
        } else {
            ahead.whenComplete((x, e) -> schedule.run());
        }
        return mine;
    }

    /** Waiters for now, for tests and metrics. */
    int waitingBuckets() {
        return tails.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        tails.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the limiter was closed")));
        tails.clear();
    }
}
