package io.tollgate.core.store;

import java.time.Instant;

/**
 * A clock in microseconds. {@link #SYSTEM} is the wall clock (microseconds since the epoch); {@link #MONOTONIC} counts
 * from an arbitrary origin and only its differences mean anything. Replaceable in tests.
 */
@FunctionalInterface
public interface MicrosClock {

    /** The system clock. */
    MicrosClock SYSTEM = () -> {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    };

    /** Local monotonic microseconds (from {@link System#nanoTime()}): immune to wall-clock steps; only differences count. */
    MicrosClock MONOTONIC = () -> System.nanoTime() / 1_000;

    long nowMicros();
}
