package io.tollgate.core.store;

import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand. */
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
}
