package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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

    private final ConcurrentHashMap<Key, Cell> cells = new ConcurrentHashMap<>();
    private final MicrosClock clock;
    private final int maxBuckets;
    private final AtomicLong calls = new AtomicLong();
    private final ReentrantLock sweepLock = new ReentrantLock();

    public InMemoryBucketStore() {
        this(MicrosClock.SYSTEM, DEFAULT_MAX_BUCKETS);
    }

    public InMemoryBucketStore(MicrosClock clock, int maxBuckets) {
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("maxBuckets must be at least 1, got " + maxBuckets);
        }
        this.clock = clock;
        this.maxBuckets = maxBuckets;
    }

    /**
     * Bucket key and spec fingerprint, without building a composite string per call: the hash combines the two
     * strings' cached hashes.
     */
    private static final class Key {
        final String bucketKey;
        final String fingerprint;
        final int hash;

        Key(String bucketKey, String fingerprint) {
            this.bucketKey = bucketKey;
            this.fingerprint = fingerprint;
            this.hash = bucketKey.hashCode() * 31 + fingerprint.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && bucketKey.equals(k.bucketKey)
                    && fingerprint.equals(k.fingerprint);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final class Cell {
        final long[] levels;
        long lastMicros;
        long fullAtMicros;
        boolean evicted;

        Cell(long[] levels, long lastMicros) {
            this.levels = levels;
            this.lastMicros = lastMicros;
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
        Key key = new Key(bucketKey, spec.fingerprint());
        maybeSweep(nowMicros);
        while (true) {
            Cell cell = cells.get(key);
            if (cell == null) {
                cell = cells.computeIfAbsent(key, k -> new Cell(TokenBucket.full(spec), nowMicros));
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
                    cell.fullAtMicros = now + decision.resetMicros(); // = microsUntilFull(levels), computed once
                }
                return decision;
            }
        }
    }

    /** Number of buckets currently held. */
    public int size() {
        return cells.size();
    }

    public int maxBuckets() {
        return maxBuckets;
    }

    private void maybeSweep(long nowMicros) {
        boolean due = (calls.incrementAndGet() & (SWEEP_EVERY_CALLS - 1)) == 0;
        if ((due || cells.size() >= maxBuckets) && sweepLock.tryLock()) {
            try {
                sweep(nowMicros);
            } finally {
                sweepLock.unlock();
            }
        }
    }

    /** Drops buckets that are full again; if still at or over the cap, drops those closest to full. */
    void sweep(long nowMicros) {
        long soonest = Long.MAX_VALUE;
        for (Iterator<Cell> it = cells.values().iterator(); it.hasNext(); ) {
            Cell cell = it.next();
            synchronized (cell) {
                if (cell.fullAtMicros <= nowMicros) {
                    cell.evicted = true;
                    it.remove();
                } else {
                    soonest = Math.min(soonest, cell.fullAtMicros);
                }
            }
        }
        // Still crowded: drop a tenth of the cap, nearest-to-full first, so a flood of keys costs bounded memory.
        int target = maxBuckets - Math.max(1, maxBuckets / 10);
        long horizon = soonest;
        long step = 1_000_000L;
        while (cells.size() > target && horizon != Long.MAX_VALUE) {
            horizon += step;
            step *= 2;
            for (Iterator<Cell> it = cells.values().iterator(); it.hasNext() && cells.size() > target; ) {
                Cell cell = it.next();
                synchronized (cell) {
                    if (cell.fullAtMicros <= horizon) {
                        cell.evicted = true;
                        it.remove();
                    }
                }
            }
        }
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
        cells.clear();
    }
}
