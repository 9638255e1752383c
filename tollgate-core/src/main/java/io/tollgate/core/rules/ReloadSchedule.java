package io.tollgate.core.rules;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread with which a watcher re-reads its configuration source every interval, first after one
 * interval. Shared by {@link RulesFileWatcher} and the envoyproxy/ratelimit configuration watcher, which poll rather
 * than listen for file-system events (see there why).
 */
public final class ReloadSchedule implements AutoCloseable {

    private final ScheduledExecutorService executor;

    private ReloadSchedule(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /**
     * Checks {@code interval} without starting anything, so a watcher can refuse it before its first load.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public static Duration checkInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("reload interval must be positive, got " + interval);
        }
        return interval;
    }

    /**
     * Runs {@code step} every {@code interval} on a daemon thread named {@code threadName}. The step must not throw:
     * an exception would end the schedule.
     */
    public static ReloadSchedule start(String threadName, Duration interval, Runnable step) {
        Objects.requireNonNull(step, "step");
        long ms = checkInterval(interval).toMillis();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(step, ms, ms, TimeUnit.MILLISECONDS);
        return new ReloadSchedule(executor);
    }

    /** Stops the thread, interrupting a step in progress. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
