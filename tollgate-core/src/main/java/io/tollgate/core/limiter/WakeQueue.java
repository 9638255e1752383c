package io.tollgate.core.limiter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Wakes waiting acquisitions when their reservation comes due, per bucket in the order the store granted them.
 *
 * <p>The order is the store's: waiters of a bucket are ranked by the store time of their tokens ({@code
 * Decision.timestampMicros()}), which grows with every reservation the store grants on that bucket. Arrival order on
 * this instance does not count, because a caller thread can be descheduled between the store's answer and its
 * registration here. To cover that, each acquisition takes a {@link Ticket} before it calls the store; a waiter then
 * wakes only when it is due, it is first of its bucket, and no ticket taken before it registered is still unanswered
 * (any reservation granted before it was sent before it was answered, so it holds one of those tickets). A late answer
 * therefore holds later waiters back instead of being overtaken.
 *
 * <p>Futures complete on the one timer thread of this queue, in wake order, so dependent stages should not block (use
 * the async variants for work). Memory: state per bucket only while an acquisition on it is in flight or waiting.
 */
final class WakeQueue implements AutoCloseable {

    private static final Comparator<Waiter> STORE_ORDER =
            Comparator.comparingLong(Waiter::slotMicros).thenComparingLong(Waiter::ticket);

    private final ScheduledThreadPoolExecutor timer;
    private final Map<String, Bucket> buckets = new HashMap<>(); // guarded by this
    private long tickets; // guarded by this
    private boolean closed; // guarded by this

    WakeQueue() {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tollgate-acquire-waker");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Takes a ticket for an acquisition on {@code bucketKey}, before its store call is made. */
    synchronized Ticket ticket(String bucketKey) {
        long id = ++tickets;
        buckets.computeIfAbsent(bucketKey, k -> new Bucket()).unanswered.add(id);
        return new Ticket(bucketKey, id);
    }

    /** Waiters for now, for tests and metrics. */
    synchronized int waitingBuckets() {
        return (int) buckets.values().stream().filter(b -> !b.waiters.isEmpty()).count();
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (this) {
            closed = true;
            buckets.values().forEach(b -> b.waiters.forEach(w -> failed.add(w.future)));
            buckets.clear();
        }
        timer.shutdownNow();
        failed.forEach(f -> f.completeExceptionally(new IllegalStateException("the limiter was closed")));
    }

    /** One acquisition's place in its bucket's order: {@link #wakeAt} once it is granted, else {@link #release}. */
    final class Ticket {
        private final String bucketKey;
        private final long id;
        private boolean used; // guarded by the queue

        private Ticket(String bucketKey, long id) {
            this.bucketKey = bucketKey;
            this.id = id;
        }

        /** The acquisition was refused, failed, or needs no waiting behind anyone: it leaves the order. */
        void release() {
            synchronized (WakeQueue.this) {
                Bucket b = answered();
                if (b != null) {
                    wakeDue(bucketKey, b);
                }
            }
        }

        /**
         * A future that completes at {@code dueNanos} ({@link System#nanoTime()} scale), after every waiter of the
         * bucket whose tokens come earlier in store time ({@code slotMicros}), including those still unanswered. It is
         * already complete when nobody of the bucket is ahead and the time has come.
         */
        CompletableFuture<Void> wakeAt(long slotMicros, long dueNanos) {
            return enqueue(slotMicros, dueNanos, false);
        }

        /**
         * For an acquisition the store granted without a wait: complete at once unless waiters of the bucket are
         * queued, then behind them. (Unanswered tickets do not hold it back: it waits for no tokens to come.)
         */
        CompletableFuture<Void> grantedNow(long slotMicros) {
            return enqueue(slotMicros, System.nanoTime(), true);
        }

        private CompletableFuture<Void> enqueue(long slotMicros, long dueNanos, boolean immediate) {
            CompletableFuture<Void> future = new CompletableFuture<>();
            synchronized (WakeQueue.this) {
                Bucket b = answered();
                if (closed || b == null) {
                    future.completeExceptionally(new IllegalStateException("the limiter was closed"));
                    return future;
                }
                if (b.waiters.isEmpty() && b.waking == 0 && dueNanos - System.nanoTime() <= 0
                        && (immediate || b.unanswered.isEmpty())) {
                    forget(bucketKey, b);
                    future.complete(null); // nothing of this bucket queued: no one to stay behind
                    return future;
                }
                b.waiters.add(new Waiter(slotMicros, id, tickets, dueNanos, future));
                wakeDue(bucketKey, b);
                long delay = dueNanos - System.nanoTime();
                if (delay > 0) {
                    timer.schedule(this::recheck, delay, TimeUnit.NANOSECONDS);
                }
            }
            return future;
        }

        private void recheck() {
            synchronized (WakeQueue.this) {
                Bucket b = buckets.get(bucketKey);
                if (b != null) {
                    wakeDue(bucketKey, b);
                }
            }
        }

        private Bucket answered() {
            if (used) {
                throw new IllegalStateException("ticket already used");
            }
            used = true;
            Bucket b = buckets.get(bucketKey);
            if (b != null) {
                b.unanswered.remove(id);
            }
            return b;
        }
    }

    /** Hands every waiter of {@code b} that may wake now to the timer thread, in order. Holds the lock. */
    private void wakeDue(String bucketKey, Bucket b) {
        long now = System.nanoTime();
        Waiter head;
        while ((head = b.waiters.peek()) != null && head.dueNanos - now <= 0
                && (b.unanswered.isEmpty() || b.unanswered.first() > head.registered)) {
            b.waiters.poll();
            b.waking++;
            CompletableFuture<Void> f = head.future;
            // the timer runs tasks of equal time in submission order, so futures complete in this order
            timer.execute(() -> {
                f.complete(null);
                synchronized (WakeQueue.this) {
                    b.waking--;
                    forget(bucketKey, b);
                }
            });
        }
        forget(bucketKey, b);
    }

    private void forget(String bucketKey, Bucket b) {
        if (b.waiters.isEmpty() && b.unanswered.isEmpty() && b.waking == 0) {
            buckets.remove(bucketKey, b);
        }
    }

    /** A bucket's acquisitions in flight: tickets not yet answered, waiters not yet due, and those being woken. */
    private static final class Bucket {
        final TreeSet<Long> unanswered = new TreeSet<>();
        final PriorityQueue<Waiter> waiters = new PriorityQueue<>(STORE_ORDER);
        int waking;
    }

    /**
     * {@code ticket}: its own, which breaks ties of store time; {@code registered}: the last ticket taken when it
     * registered, as only older unanswered tickets can be ahead of it.
     */
    private record Waiter(long slotMicros, long ticket, long registered, long dueNanos, CompletableFuture<Void> future) {
    }
}
