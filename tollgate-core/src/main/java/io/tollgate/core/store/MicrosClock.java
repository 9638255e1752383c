package io.tollgate.core.store;

import java.time.Instant;

/**
 * A source of microseconds: the one time abstraction of Tollgate. Everything that reads time takes one, so tests fake
 * time with one hand-moved clock.
 *
 * <p>Two clocks exist in production, and each user says which it needs:
 * <ul>
 *   <li>{@link #SYSTEM}: wall time, microseconds since the epoch. It can step (NTP, an operator), so it is used only
 *       where a reading must mean the same in another process: the Redis store's clock, which is the server's
 *       {@code TIME} (wall time), and its test override that stands in for it.</li>
 *   <li>{@link #MONOTONIC}: counts from an arbitrary origin and only differences between two readings mean anything;
 *       never steps. For every local duration: the in-memory store's refill (a wall step forward would refill every
 *       bucket at once), the circuit breaker's cool-down, the deny cache's elapsed time, the fallback buckets'
 *       refill, lease expiry and rate windows, log throttling.</li>
 * </ul>
 * A monotonic reading must never be compared with a wall reading, nor sent to another process.
 */
@FunctionalInterface
public interface MicrosClock {

    /** Wall time: microseconds since the epoch. */
    MicrosClock SYSTEM = () -> {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    };

    /** Local monotonic microseconds (from {@link System#nanoTime()}): immune to wall-clock steps; only differences count. */
    MicrosClock MONOTONIC = () -> System.nanoTime() / 1_000;

    /** The current reading, in microseconds; what it counts from depends on the clock (see the class comment). */
    long nowMicros();
}
