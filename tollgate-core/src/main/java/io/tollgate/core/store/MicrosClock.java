package io.tollgate.core.store;

import java.time.Instant;

/** A wall clock in microseconds since the epoch. Replaceable in tests. */
@FunctionalInterface
public interface MicrosClock {

    /** The system clock. */
    MicrosClock SYSTEM = () -> {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    };

    long nowMicros();
}
