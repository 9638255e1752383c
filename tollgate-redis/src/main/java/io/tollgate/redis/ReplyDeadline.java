package io.tollgate.redis;

import io.netty.channel.Channel;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.tollgate.core.store.StoreOverloadedException;
import io.tollgate.core.store.StoreTimeoutException;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Times store calls so that only a silent Redis counts as a Redis failure.
 *
 * <p>A call fails with {@link StoreTimeoutException} (a Redis failure: the breaker counts it and the failure policy
 * applies) only when its command was flushed to a channel's socket and nothing at all has been read from that channel
 * for the silence budget {@code timeout} since then. Time the command spent waiting in this process before it was
 * sent, a reply waiting in the socket to be read, or a reply that is late because Redis is working through a queue of
 * other replies, does not count: a busy JVM (cold JIT, GC pause, saturated event loop) is not a Redis outage.
 *
 * <p>While Redis keeps answering, a call may wait up to {@code overloadTimeout} in total; then it fails with
 * {@link StoreOverloadedException}, which the limiter answers with 503, never with the failure policy.
 *
 * <p>How the judgement stays honest: the timer thread only starts it. The decision is taken on the channel's own event
 * loop, twice, one millisecond apart: Netty runs a task scheduled from within its task queue only after another round
 * of reading the sockets, so a reply that was already waiting in the socket is read (and completes the call) before
 * the call can be failed. Reads are recorded by {@link ReplyWatch}.
 *
 * <p>Without {@link ReplyWatch} on the connection (client resources that lack {@link RedisBucketStore#NETTY_CUSTOMIZER})
 * nothing is known about writes and reads, and a call simply fails with {@link StoreTimeoutException} after
 * {@code timeout}.
 */
final class ReplyDeadline {

    private static final long CONFIRM_AFTER_MICROS = 1_000;

    private final HashedWheelTimer timer;
    private final long timeoutNanos;
    private final long overloadNanos;
    private final boolean watched;
    private final Supplier<String> target;

    /**
     * @param timer           fires the first check of each call
     * @param timeoutNanos    silence budget
     * @param overloadNanos   total budget while Redis keeps answering, at least {@code timeoutNanos}
     * @param watched         whether the connection's channels carry {@link ReplyWatch}
     * @param target          describes Redis for messages
     */
    ReplyDeadline(HashedWheelTimer timer, long timeoutNanos, long overloadNanos, boolean watched,
            Supplier<String> target) {
        this.timer = timer;
        this.timeoutNanos = timeoutNanos;
        this.overloadNanos = Math.max(overloadNanos, timeoutNanos);
        this.watched = watched;
        this.target = target;
    }

    /** One timed call: its result future and the command currently carrying it (replaced on an EVAL retry). */
    static final class Call {
        final CompletableFuture<?> out;
        final String what;
        final long startNanos = System.nanoTime();
        volatile StampedCommand<?> command;
        volatile Timeout pending;

        Call(CompletableFuture<?> out, String what) {
            this.out = out;
            this.what = what;
        }
    }

    /** Starts timing {@code out}; the timer is cancelled when it completes. */
    Call start(CompletableFuture<?> out, String what) {
        Call call = new Call(out, what);
        arm(call, timeoutNanos);
        out.whenComplete((r, e) -> {
            Timeout t = call.pending;
            if (t != null) {
                t.cancel();
            }
        });
        return call;
    }

    private void arm(Call call, long delayNanos) {
        try {
            call.pending = timer.newTimeout(t -> check(call), Math.max(delayNanos, 1), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // timer stopped: the store is closing
            call.out.completeExceptionally(new StoreUnavailableException("redis store is closed"));
        }
    }

    /** On the timer thread: hand the judgement to the channel's event loop, or wait on while the call is unsent. */
    private void check(Call call) {
        if (call.out.isDone()) {
            return;
        }
        long waited = System.nanoTime() - call.startNanos;
        if (!watched) {
            call.out.completeExceptionally(new StoreTimeoutException("redis " + call.what + " got no answer within "
                    + timeoutNanos / 1_000_000 + " ms from " + target.get(), null));
            return;
        }
        if (waited >= overloadNanos) {
            overloaded(call, waited);
            return;
        }
        StampedCommand<?> c = call.command;
        Channel ch = c == null ? null : c.channel();
        if (ch == null) {
            // Not sent yet: it waits in this process (a busy event loop), which is not Redis's doing.
            arm(call, Math.min(timeoutNanos, overloadNanos - waited));
            return;
        }
        try {
            ch.eventLoop().execute(() -> judge(call, c, ch, false));
        } catch (RejectedExecutionException e) {
            call.out.completeExceptionally(new StoreUnavailableException("redis connection is closing"));
        }
    }

    /** On the channel's event loop, after pending input had a chance to be read. */
    private void judge(Call call, StampedCommand<?> c, Channel ch, boolean confirming) {
        if (call.out.isDone()) {
            return;
        }
        long now = System.nanoTime();
        if (call.command != c || c.channel() != ch) {
            arm(call, 1); // retried or re-sent since: judge the current command
            return;
        }
        ReplyWatch.ChannelActivity reads = ReplyWatch.activity(ch);
        long since = Math.max(c.sentNanos(), reads == null ? Long.MIN_VALUE : reads.lastReadNanos());
        long silent = now - since;
        long left = overloadNanos - (now - call.startNanos);
        if (silent >= timeoutNanos) {
            if (!confirming) {
                try {
                    ch.eventLoop().schedule(() -> judge(call, c, ch, true), CONFIRM_AFTER_MICROS, TimeUnit.MICROSECONDS);
                } catch (RejectedExecutionException e) {
                    call.out.completeExceptionally(new StoreUnavailableException("redis connection is closing"));
                }
                return;
            }
            call.out.completeExceptionally(new StoreTimeoutException("redis " + call.what + ": " + target.get()
                    + " sent nothing for " + silent / 1_000_000 + " ms while it owed a reply (timeout "
                    + timeoutNanos / 1_000_000 + " ms)", null));
            return;
        }
        if (left <= 0) {
            overloaded(call, now - call.startNanos);
            return;
        }
        arm(call, Math.min(timeoutNanos - silent, left));
    }

    private void overloaded(Call call, long waitedNanos) {
        call.out.completeExceptionally(new StoreOverloadedException("redis " + call.what + " waited "
                + waitedNanos / 1_000_000 + " ms while " + target.get() + " kept answering other calls (overload"
                + " timeout " + overloadNanos / 1_000_000 + " ms): shed"));
    }
}
