package io.tollgate.core.limiter;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import io.tollgate.core.store.MicrosClock;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The buckets this instance decides with while the store cannot: the {@code fail-open} and {@code local} failure
 * policies. One cell per bucket key holds either the levels the store last reported for that bucket
 * ({@link #remember}) or the levels left by local decisions during an outage ({@link #decide}).
 *
 * <h2>The bound</h2>
 * Per instance and bucket, the requests admitted locally between two store answers for that bucket take at most
 * {@code capacity + rate × elapsed} tokens from every limit. Proof: a cell starts with levels {@code L0 ≤ capacity},
 * either full or the store's last levels (refilled since by the local clock; measured from when the answer arrived, so
 * the refill is underestimated by the round trip, never overestimated). Under the cell's monitor a level only rises by
 * refill, at most {@code rate} per unit of time and never beyond the capacity, and only falls by a consumption that
 * the level covers, so it never goes negative. Hence tokens taken ≤ {@code L0 + rate × elapsed}. Across {@code N}
 * instances an outage admits at most {@code N ×} that, never an unlimited number.
 *
 * <p>A cell is replaced only by a store answer (the store's levels then are the truth again, and the next outage
 * starts from them), by a decision under a different spec (a reloaded rule, or the {@code local} policy's scaled spec:
 * such a cell starts full), or dropped by eviction. Dropping a bucket that is full again by refill changes no
 * decision, since a missing bucket starts full. Only when more than {@code maxBuckets} buckets are partly drained are
 * arbitrary ones dropped too; each such drop can admit at most one more capacity for that bucket. That is the price of
 * bounded memory.
 *
 * <p>Cost: {@link #remember} is one map put, no lock; it runs on every store answer. Memory is held to about
 * {@code maxBuckets} cells: when a new key pushes the map over the cap, the inserting thread drops cells that are full
 * again, then arbitrary ones (hash order) down to 75 % of the cap, as {@link DenyCachingBucketStore} does; if another
 * thread is already evicting it goes on. There is no background thread.
 */
public final class FallbackBuckets {

    /** Default cap on the buckets held. */
    public static final int DEFAULT_MAX_BUCKETS = 100_000;

    /**
     * One bucket. Fields are read and written under its monitor, except at construction (published by the map).
     * A cell made from a store answer keeps the {@link Decision} and copies its levels only on first local use, so
     * remembering allocates nothing beyond the cell.
     */
    private static final class Cell {
        final BucketSpec spec;
        private Decision seed;
        private long[] levels;
        private long atMicros;

        Cell(Decision seed, long atMicros) {
            this.spec = seed.spec();
            this.seed = seed;
            this.atMicros = atMicros;
        }

        Cell(BucketSpec spec, long atMicros) {
            this.spec = spec;
            this.levels = TokenBucket.full(spec);
            this.atMicros = atMicros;
        }

        long[] levels() {
            if (levels == null) {
                levels = new long[spec.size()];
                for (int i = 0; i < levels.length; i++) {
                    levels[i] = seed.level(i);
                }
                seed = null;
            }
            return levels;
        }

        long fullAtMicros() {
            return atMicros + (levels == null ? seed.resetMicros() : TokenBucket.microsUntilFull(spec, levels));
        }
    }

    private final MicrosClock clock;
    private final int maxBuckets;
    private final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();
    private final ReentrantLock evictLock = new ReentrantLock();

    /**
     * @param clock      local monotonic microseconds; only differences are used ({@link MicrosClock#MONOTONIC}
     *                   in production)
     * @param maxBuckets cap on the buckets held, at least 1
     */
    public FallbackBuckets(MicrosClock clock, int maxBuckets) {
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("maxBuckets must be at least 1, got " + maxBuckets);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxBuckets = maxBuckets;
    }

    /** Monotonic clock, {@value #DEFAULT_MAX_BUCKETS} buckets. */
    public FallbackBuckets() {
        this(MicrosClock.MONOTONIC, DEFAULT_MAX_BUCKETS);
    }

    /**
     * Records the levels the store reported for {@code bucketKey}, replacing whatever was held for it. A
     * {@link Decision.Reason#COST_EXCEEDS_CAPACITY} answer carries no store state and is ignored.
     */
    public void remember(String bucketKey, Decision decision) {
        if (decision.reason() == Decision.Reason.COST_EXCEEDS_CAPACITY) {
            return;
        }
        long now = clock.nowMicros();
        if (cells.put(bucketKey, new Cell(decision, now)) == null) {
            trimIfOver(now);
        }
    }

    /**
     * Takes {@code cost} tokens from the local bucket {@code bucketKey} if every limit holds enough. The bucket starts
     * from the store's last levels when they were reported for this same spec, else full. Atomic per bucket. A cost of
     * 0 is a check, as in a store's {@code tryConsumeAll}: it takes nothing, is allowed, and reports the levels.
     */
    public Decision decide(String bucketKey, BucketSpec spec, long cost) {
        if (cost < 0) {
            throw new IllegalArgumentException("cost must be at least 0, got " + cost);
        }
        long now = clock.nowMicros();
        if (spec.exceedsCapacity(cost)) {
            return Decision.costExceedsCapacity(spec, cost, now);
        }
        while (true) {
            Cell cell = cells.get(bucketKey);
            if (cell == null || (cell.spec != spec && !cell.spec.equals(spec))) {
                Cell fresh = new Cell(spec, now);
                boolean installed = cell == null ? cells.putIfAbsent(bucketKey, fresh) == null
                        : cells.replace(bucketKey, cell, fresh);
                if (!installed) {
                    continue; // someone else changed the cell: look again
                }
                if (cell == null) {
                    trimIfOver(now);
                }
                cell = fresh;
            }
            synchronized (cell) {
                if (cells.get(bucketKey) != cell) {
                    continue; // replaced by a store answer or evicted since the lookup: decide on the current cell
                }
                long at = Math.max(now, cell.atMicros); // concurrent callers may read the clock out of order
                long[] levels = cell.levels();
                // refilling in place is exact: refill over a then b equals refill over a + b
                boolean allowed = TokenBucket.tryConsume(spec, levels, cell.atMicros, at, cost);
                cell.atMicros = at;
                return Decision.of(spec, cost, allowed, levels.clone(), at);
            }
        }
    }

    /** Buckets currently held (some may be full again and not yet dropped). */
    public int size() {
        return cells.size();
    }

    public int maxBuckets() {
        return maxBuckets;
    }

    /** Forgets every bucket. */
    public void clear() {
        cells.clear();
    }

    private void trimIfOver(long now) {
        if (cells.size() > maxBuckets) {
            evict(now);
        }
    }

    /** Drops cells that are full again; if still over 75 % of the cap, drops arbitrary ones (hash order) down to it. */
    private void evict(long now) {
        if (!evictLock.tryLock()) {
            return;
        }
        try {
            for (Map.Entry<String, Cell> e : cells.entrySet()) {
                Cell cell = e.getValue();
                synchronized (cell) {
                    if (cell.fullAtMicros() <= now) {
                        cells.remove(e.getKey(), cell);
                    }
                }
            }
            int target = maxBuckets - Math.max(1, maxBuckets / 4);
            for (Iterator<Cell> it = cells.values().iterator(); it.hasNext() && cells.size() > target; ) {
                it.next();
                it.remove();
            }
        } finally {
            evictLock.unlock();
        }
    }
}
