package io.tollgate.core.limiter;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Lets a repeated event through at most once per interval and counts the ones held back, so a storm of identical
 * failures produces one log line per interval instead of one per request.
 */
public final class ThrottledLog {

    private final long intervalNanos;
    private final AtomicLong nextAllowedNanos = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public ThrottledLog(java.time.Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** Runs {@code log} with the number of events suppressed since the last run, if the interval has passed. */
    public void event(LongConsumer log) {
        long now = System.nanoTime();
        long next = nextAllowedNanos.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowedNanos.compareAndSet(next, now + intervalNanos)) {
            log.accept(suppressed.getAndSet(0));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
