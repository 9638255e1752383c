package io.tollgate.core.limiter;

import io.tollgate.core.store.MicrosClock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Lets a repeated event through at most once per interval and counts the ones held back, so a storm of identical
 * failures produces one log line per interval instead of one per request.
 */
public final class ThrottledLog {

    private final long intervalMicros;
    private final MicrosClock clock;
    private final AtomicLong nextAllowedMicros = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    /** With {@link MicrosClock#MONOTONIC}. */
    public ThrottledLog(Duration interval) {
        this(interval, MicrosClock.MONOTONIC);
    }

    /** @param clock local durations only: {@link MicrosClock#MONOTONIC} in production */
    public ThrottledLog(Duration interval, MicrosClock clock) {
        this.intervalMicros = interval.toNanos() / 1_000;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Runs {@code log} with the number of events suppressed since the last run, if the interval has passed. */
    public void event(LongConsumer log) {
        long now = clock.nowMicros();
        long next = nextAllowedMicros.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowedMicros.compareAndSet(next, now + intervalMicros)) {
            log.accept(suppressed.getAndSet(0));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
