package io.tollgate.core.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MicrosClock} tests move by hand, forwards or back; the one fake clock for every test that fakes time
 * (stores, deny cache, leases, breaker, fallback buckets).
 */
public final class ManualClock implements MicrosClock {
    private final AtomicLong now;

    public ManualClock(long startMicros) {
        this.now = new AtomicLong(startMicros);
    }

    @Override
    public long nowMicros() {
        return now.get();
    }

    public void advanceMicros(long micros) {
        now.addAndGet(micros);
    }

    public void advanceMillis(long millis) {
        advanceMicros(millis * 1000);
    }

    /** Sets the reading, which may go back (to test a clock that steps). */
    public void set(long micros) {
        now.set(micros);
    }
}
