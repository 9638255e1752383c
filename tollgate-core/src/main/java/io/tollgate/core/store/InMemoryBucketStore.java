package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Buckets in this JVM's memory: the embedded default for a single instance, and the reference the Redis store is
 * tested against.
 *
 * <p>Each bucket is guarded by its own monitor, so contention is per bucket only. Memory is bounded: a bucket is
 * dropped once it would be full again (dropping a full bucket changes no decision, since a missing bucket is full),
 * and if more than {@code maxBuckets} are still partly drained, the ones closest to full are dropped first. Sweeps are
 * amortised over calls; there is no background thread.
 */
public final class InMemoryBucketStore implements BucketStore {

    /** Default cap on the number of buckets held. */
    public static final int DEFAULT_MAX_BUCKETS = 1_000_000;

    private static final int SWEEP_EVERY_CALLS = 1 << 14;

    /** Spec fingerprint to bucket key to cell: two plain-string lookups, no key object built per call. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Cell>> bySpec = new ConcurrentHashMap<>();
    private final MicrosClock clock;
    private final int maxBuckets;
    private final ReentrantLock sweepLock = new ReentrantLock();

    /** {@link MicrosClock#MONOTONIC} clock, {@value #DEFAULT_MAX_BUCKETS} buckets. */
    public InMemoryBucketStore() {
        this(MicrosClock.MONOTONIC, DEFAULT_MAX_BUCKETS);
    }

    /**
     * @param clock      refill time; only differences are used, so {@link MicrosClock#MONOTONIC} in production (a wall
     *                   clock stepping forward would refill every bucket at once). Decisions carry its readings.
     * @param maxBuckets cap on the buckets held, at least 1
     */
    public InMemoryBucketStore(MicrosClock clock, int maxBuckets) {
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("maxBuckets must be at least 1, got " + maxBuckets);
        }
        this.clock = clock;
        this.maxBuckets = maxBuckets;
    }

    private static final class Cell {
        final BucketSpec spec;
        final long[] levels;
        long lastMicros;
        boolean evicted;

        Cell(BucketSpec spec, long lastMicros) {
            this.spec = spec;
            this.levels = TokenBucket.full(spec);
            this.lastMicros = lastMicros;
        }

        /** When this bucket would be full again; computed only by the sweeper, off the hot path. */
        long fullAtMicros() {
            return lastMicros + TokenBucket.microsUntilFull(spec, levels);
        }
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return CompletableFuture.completedFuture(decide(bucketKey, spec, cost, clock.nowMicros()));
    }

    /** Synchronous form of {@link #tryConsume} at an explicit time, for tests and for callers already off the event loop. */
    public Decision decide(String bucketKey, BucketSpec spec, long cost, long nowMicros) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
        if (spec.exceedsCapacity(cost)) {
            return Decision.costExceedsCapacity(spec, cost, nowMicros);
        }
        String key = bucketKey;
        ConcurrentHashMap<String, Cell> cells = bySpec.get(spec.fingerprint());
        if (cells == null) {
            cells = bySpec.computeIfAbsent(spec.fingerprint(), f -> new ConcurrentHashMap<>());
        }
        while (true) {
            Cell cell = cells.get(key);
            if (cell == null) {
                // the cap is checked only where the map grows, and the periodic sweep is picked per thread at
                // random: a shared call counter would bounce one cache line between every deciding thread
                if (size() >= maxBuckets) {
                    trySweep(nowMicros);
                }
                cell = cells.computeIfAbsent(key, k -> new Cell(spec, nowMicros));
            } else if (ThreadLocalRandom.current().nextInt(SWEEP_EVERY_CALLS) == 0) {
                trySweep(nowMicros);
            }
            synchronized (cell) {
                if (cell.evicted) {
                    continue; // lost a race with the sweeper; the replacement cell starts full, which is what this one was
                }
                long now = Math.max(nowMicros, cell.lastMicros);
                long[] levels = cell.levels.clone();
                boolean allowed = TokenBucket.tryConsume(spec, levels, cell.lastMicros, now, cost);
                Decision decision = Decision.of(spec, cost, allowed, levels, now);
                if (allowed) {
                    System.arraycopy(levels, 0, cell.levels, 0, levels.length);
                    cell.lastMicros = now;
                }
                return decision;
            }
        }
    }

    /** Number of buckets currently held. */
    public int size() {
        int n = 0;
        for (ConcurrentHashMap<String, Cell> cells : bySpec.values()) {
            n += cells.size();
        }
        return n;
    }

    public int maxBuckets() {
        return maxBuckets;
    }

    private void trySweep(long nowMicros) {
        if (sweepLock.tryLock()) {
            try {
                sweep(nowMicros);
            } finally {
                sweepLock.unlock();
            }
        }
    }

    /** Drops buckets that are full again; if still at or over the cap, drops those closest to full. */
    void sweep(long nowMicros) {
        long soonest = evictFullBy(nowMicros, Integer.MIN_VALUE);
        // Still crowded: drop a tenth of the cap, nearest-to-full first, so a flood of keys costs bounded memory.
        int target = maxBuckets - Math.max(1, maxBuckets / 10);
        long horizon = soonest;
        long step = 1_000_000L;
        while (size() > target && horizon != Long.MAX_VALUE) {
            horizon += step;
            step *= 2;
            evictFullBy(horizon, target);
        }
    }

    /**
     * Evicts cells that are full by {@code horizon}, stopping once no more than {@code target} remain.
     *
     * @return the earliest time a remaining cell will be full
     */
    private long evictFullBy(long horizon, int target) {
        long soonest = Long.MAX_VALUE;
        int size = size();
        for (ConcurrentHashMap<String, Cell> cells : bySpec.values()) {
            for (Iterator<Cell> it = cells.values().iterator(); it.hasNext() && size > target; ) {
                Cell cell = it.next();
                synchronized (cell) {
                    long fullAt = cell.fullAtMicros();
                    if (fullAt <= horizon) {
                        cell.evicted = true;
                        it.remove();
                        size--;
                    } else {
                        soonest = Math.min(soonest, fullAt);
                    }
                }
            }
        }
        return soonest;
    }

    @Override
    public CompletionStage<Void> ping() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public String describe() {
        return "in-memory (per instance, max " + maxBuckets + " buckets)";
    }

    @Override
    public boolean distributed() {
        return false;
    }

    @Override
    public void close() {
        bySpec.clear();
    }
}
