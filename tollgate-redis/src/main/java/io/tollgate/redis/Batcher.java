package io.tollgate.redis;

import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Coalesces the concurrent decisions of one lane (one connection today; one Cluster node or slot later) into script
 * calls, without a timer.
 *
 * <p>While no batch is in flight, a decision goes out at once, as a batch of one: at low load nothing waits. Otherwise
 * it joins a queue, and whenever an in-flight batch finishes, up to {@code maxBatch} queued decisions go out together
 * as the next batch. Beside a batch in flight, a further one (up to {@code window} in all) goes out only once
 * {@code minExtraBatch} decisions wait: when Redis answers before that many gather (a near Redis) every call carries
 * as many decisions as it can, and when the round trip is long enough for that many to gather (a far Redis, or a
 * busy one) the next batch does not wait for it. The queue holds at most {@code maxQueued} decisions; one more is
 * overload and fails at once with {@link StoreOverloadedException} (shed with 503, never a failure policy).
 *
 * <p>A batch holds its window slot until its sender reports it done (reply or failure), or until every decision in it
 * has completed otherwise (each by its own deadline): a silent Redis then cannot hold the window shut, and the next
 * decisions still go out and meet their own deadlines. Queued decisions already completed (shed by their deadline)
 * are skipped. Lock-free: callers and event loops never block here.
 *
 * <p>Groups: a decision submitted with a {@link PendingDecision#group group} stands for the whole group, which is
 * queued, counted and sent as a unit, never split across batches; so a batch may exceed {@code maxBatch} by less than
 * one group. A group is skipped only when every decision of it has completed.
 *
 * <p>Order: the decisions of one batch run in the order they were queued, but two batches in flight at once may reach
 * Redis in either order (a batch one thread has just formed can be overtaken by a decision another thread sends at
 * once, and a write issued on the connection's event loop goes ahead of writes other threads queued to it). Each
 * decision is still applied exactly once and atomically, so concurrent decisions are decided in some serial order,
 * not necessarily the order they were submitted in.
 */
final class Batcher {

    /** Sends one batch; calls {@code done} once when its reply or failure arrived, before completing the decisions. */
    interface Sender {
        void send(List<PendingDecision> batch, Runnable done);
    }

    private final int maxBatch;
    private final int window;
    private final int minExtraBatch;
    private final int maxQueued;
    private final Sender sender;
    private final ConcurrentLinkedQueue<PendingDecision> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    Batcher(int maxBatch, int window, int minExtraBatch, int maxQueued, Sender sender) {
        if (maxBatch < 1 || window < 1 || minExtraBatch < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("maxBatch, window and minExtraBatch must be positive, maxQueued"
                    + " non-negative");
        }
        this.maxBatch = maxBatch;
        this.window = window;
        this.minExtraBatch = minExtraBatch;
        this.maxQueued = maxQueued;
        this.sender = sender;
    }

    /** Sends {@code p} (with its group, if any) now, queues it, or fails it as overload; never blocks. */
    void submit(PendingDecision p) {
        List<PendingDecision> members = p.members();
        if (closed) {
            StoreUnavailableException failure = new StoreUnavailableException("redis store is closed");
            members.forEach(m -> m.out.completeExceptionally(failure));
            return;
        }
        if (queue.isEmpty() && tryTakeSlot()) {
            launch(members);
            return;
        }
        if (queued.addAndGet(members.size()) > maxQueued) {
            queued.addAndGet(-members.size());
            StoreOverloadedException failure = new StoreOverloadedException("redis decision queue full (" + maxQueued
                    + " decisions waiting for " + window + " batches in flight): shed");
            members.forEach(m -> m.out.completeExceptionally(failure));
            return;
        }
        queue.add(p);
        // A slot may have been freed between the check above and the add: whoever sees both sends.
        drain();
    }

    /** Decisions waiting to be sent (for tests and metrics). */
    int queued() {
        return queued.get();
    }

    /** Batches in flight. */
    int inFlight() {
        return inFlight.get();
    }

    /** Fails every queued decision; later submissions fail at once. */
    void close() {
        closed = true;
        PendingDecision p;
        while ((p = queue.poll()) != null) {
            for (PendingDecision m : p.members()) {
                queued.decrementAndGet();
                m.out.completeExceptionally(new StoreUnavailableException("redis store is closed"));
            }
        }
    }

    private boolean tryTakeSlot() {
        while (true) {
            int f = inFlight.get();
            if (f >= window || (f > 0 && queued.get() < minExtraBatch)) {
                return false;
            }
            if (inFlight.compareAndSet(f, f + 1)) {
                return true;
            }
        }
    }

    /** Sends queued decisions while slots are free. */
    private void drain() {
        while (!queue.isEmpty() && tryTakeSlot()) {
            List<PendingDecision> batch = new ArrayList<>(Math.min(maxBatch, Math.max(1, queued.get())));
            PendingDecision p;
            while (batch.size() < maxBatch && (p = queue.poll()) != null) {
                List<PendingDecision> members = p.members();
                queued.addAndGet(-members.size());
                if (anyOpen(members)) {
                    batch.addAll(members);
                }
            }
            if (batch.isEmpty()) {
                inFlight.decrementAndGet(); // only shed decisions were queued; look again
                continue;
            }
            launch(batch);
        }
    }

    private static boolean anyOpen(List<PendingDecision> members) {
        for (PendingDecision m : members) {
            if (!m.out.isDone()) {
                return true;
            }
        }
        return false;
    }

    private void launch(List<PendingDecision> batch) {
        Slot slot = new Slot(batch.size());
        for (PendingDecision p : batch) {
            p.out.whenComplete((r, e) -> slot.decisionDone());
        }
        try {
            sender.send(batch, slot::release);
        } catch (RuntimeException e) {
            slot.release();
            StoreUnavailableException failure = new StoreUnavailableException("redis batch not sent: " + e, e);
            batch.forEach(p -> p.out.completeExceptionally(failure));
        }
    }

    /** One in-flight batch's window slot, given back once. */
    private final class Slot {
        private final AtomicInteger open;
        private final AtomicBoolean released = new AtomicBoolean();

        Slot(int decisions) {
            this.open = new AtomicInteger(decisions);
        }

        void decisionDone() {
            if (open.decrementAndGet() == 0) {
                release();
            }
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
                if (!closed) {
                    drain();
                }
            }
        }
    }
}
