package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
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
 *
 * <p>{@link #tryConsumeAll} holds the monitors of all its buckets at once, taken in one fixed order (bucket key, then
 * spec fingerprint), so two requests over overlapping buckets cannot deadlock; all its calls use one clock reading.
 */
public final class InMemoryBucketStore implements BucketStore {

    /** Default cap on the number of buckets held. */
    public static final int DEFAULT_MAX_BUCKETS = 1_000_000;

    private static final int SWEEP_EVERY_CALLS = 1 << 14;

    /** Spec fingerprint to bucket key to cell: two plain-string lookups, no key object built per call. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Cell>> bySpec = new ConcurrentHashMap<>();
    private final MicrosClock clock;
    private final int maxBuckets;
    /** One call in this many (at random) sweeps full buckets; 0 = only at the cap. */
    private final int sweepEveryCalls;
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
        this(clock, maxBuckets, SWEEP_EVERY_CALLS);
    }

    /**
     * As {@link #InMemoryBucketStore(MicrosClock, int)}, with the periodic sweep every {@code sweepEveryCalls} calls on
     * average, or never ({@code 0}: full buckets are then dropped only when the cap is reached). For reference stores
     * in tests that must keep every bucket they made, as the Redis store they are compared with does.
     */
    InMemoryBucketStore(MicrosClock clock, int maxBuckets, int sweepEveryCalls) {
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("maxBuckets must be at least 1, got " + maxBuckets);
        }
        this.clock = clock;
        this.maxBuckets = maxBuckets;
        this.sweepEveryCalls = sweepEveryCalls;
    }

    /** Lock order of {@link #tryConsumeAll}: by key, then spec, so it is the same for every request. */
    private static final Comparator<Cell> LOCK_ORDER = Comparator.<Cell, String>comparing(c -> c.key)
            .thenComparing(c -> c.spec.fingerprint());

    private static final class Cell {
        final String key;
        final BucketSpec spec;
        final long[] levels;
        long lastMicros;
        boolean evicted;

        Cell(String key, BucketSpec spec) {
            this.key = key;
            this.spec = spec;
            this.levels = TokenBucket.full(spec);
            // Never written yet: a full bucket of no particular time, as a missing Redis key is. A request that only
            // checks or is denied leaves it so; a clock reading earlier than its lookup is then still "now". Full
            // levels refill to full whatever the (overflowing) elapsed time.
            this.lastMicros = Long.MIN_VALUE;
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
        while (true) {
            Cell cell = cellFor(bucketKey, spec, nowMicros);
            synchronized (cell) {
                if (cell.evicted) {
                    continue; // lost a race with the sweeper; the replacement cell starts full, which is what this one was
                }
                long now = Math.max(nowMicros, cell.lastMicros);
                long[] levels = cell.levels.clone();
                boolean allowed = TokenBucket.tryConsume(spec, levels, cell.lastMicros, now, cost);
                Decision decision = Decision.of(spec, cost, allowed, levels, now, now - nowMicros);
                if (allowed) {
                    System.arraycopy(levels, 0, cell.levels, 0, levels.length);
                    cell.lastMicros = now;
                }
                return decision;
            }
        }
    }

    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        return CompletableFuture.completedFuture(reserve(bucketKey, spec, cost, maxWaitMicros, clock.nowMicros()));
    }

    /** Synchronous form of {@link #tryReserve} at an explicit time, as {@link #decide} is of {@link #tryConsume}. */
    public Decision reserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros, long nowMicros) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
        if (maxWaitMicros < 0) {
            throw new IllegalArgumentException("maxWaitMicros must be at least 0, got " + maxWaitMicros);
        }
        if (spec.exceedsCapacity(cost)) {
            return Decision.costExceedsCapacity(spec, cost, nowMicros);
        }
        while (true) {
            Cell cell = cellFor(bucketKey, spec, nowMicros);
            synchronized (cell) {
                if (cell.evicted) {
                    continue;
                }
                long at = Math.max(nowMicros, cell.lastMicros);
                long[] levels = cell.levels.clone();
                long wait = TokenBucket.tryReserve(spec, levels, cell.lastMicros, nowMicros, cost, maxWaitMicros);
                if (wait < 0) { // levels are refilled to at, nothing taken
                    return Decision.of(spec, cost, false, levels, at, at - nowMicros);
                }
                System.arraycopy(levels, 0, cell.levels, 0, levels.length);
                cell.lastMicros = nowMicros + wait;
                return Decision.of(spec, cost, true, levels, nowMicros + wait, wait);
            }
        }
    }

    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        return CompletableFuture.completedFuture(decideAll(calls, clock.nowMicros()));
    }

    /** Synchronous form of {@link #tryConsumeAll} at an explicit time, as {@link #decide} is of {@link #tryConsume}. */
    public List<Decision> decideAll(List<BucketCall> calls, long nowMicros) {
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("tryConsumeAll needs at least one call");
        }
        List<Decision> never = BucketStore.neverAllowed(calls, nowMicros);
        if (never != null) {
            return never;
        }
        while (true) {
            Cell[] cells = new Cell[calls.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = earlierCell(calls, cells, i);
                if (cells[i] == null) {
                    cells[i] = cellFor(calls.get(i).bucketKey(), calls.get(i).spec(), nowMicros);
                }
            }
            Cell[] order = Arrays.stream(cells).distinct().sorted(LOCK_ORDER).toArray(Cell[]::new);
            List<Decision> out = lockedDecide(order, 0, calls, cells, nowMicros);
            if (out != null) {
                return out;
            }
            // a cell was evicted under us: its replacement starts full, which is what it was; look the cells up again
        }
    }

    /**
     * The cell an earlier call of the request already looked up for the same bucket, else null. Reusing it keeps one
     * request from holding an evicted cell and its replacement, two cells the lock order cannot tell apart.
     */
    private static Cell earlierCell(List<BucketCall> calls, Cell[] cells, int i) {
        BucketCall call = calls.get(i);
        for (int j = 0; j < i; j++) {
            if (calls.get(j).bucketKey().equals(call.bucketKey()) && calls.get(j).spec().equals(call.spec())) {
                return cells[j];
            }
        }
        return null;
    }

    /** Takes the monitors of {@code order[i..]} (nested, so all are held), then decides; null if a cell was evicted. */
    private static List<Decision> lockedDecide(Cell[] order, int i, List<BucketCall> calls, Cell[] cells, long now) {
        if (i == order.length) {
            return decideHeld(order, calls, cells, now);
        }
        synchronized (order[i]) {
            return lockedDecide(order, i + 1, calls, cells, now);
        }
    }

    /** The all-or-nothing rule of {@link BucketStore#tryConsumeAll}, with every cell's monitor held. */
    private static List<Decision> decideHeld(Cell[] distinct, List<BucketCall> calls, Cell[] cells, long nowMicros) {
        for (Cell c : distinct) {
            if (c.evicted) {
                return null;
            }
        }
        // Each cell's levels as this request sees them: refilled once, then reduced by earlier calls of the request.
        IdentityHashMap<Cell, long[]> seen = new IdentityHashMap<>();
        IdentityHashMap<Cell, Boolean> written = new IdentityHashMap<>();
        int n = calls.size();
        long[][] before = new long[n][];
        long[][] after = new long[n][];
        boolean[] holds = new boolean[n];
        boolean admitted = true;
        for (int i = 0; i < n; i++) {
            Cell c = cells[i];
            BucketCall call = calls.get(i);
            long[] levels = seen.get(c);
            if (levels == null) {
                levels = c.levels.clone();
                TokenBucket.refill(c.spec, levels, c.lastMicros, Math.max(nowMicros, c.lastMicros));
                seen.put(c, levels);
            }
            before[i] = levels.clone();
            holds[i] = TokenBucket.holds(c.spec, levels, call.cost());
            if (holds[i]) {
                TokenBucket.take(c.spec, levels, call.cost());
                if (call.cost() > 0) {
                    written.put(c, Boolean.TRUE);
                }
            } else {
                admitted = false;
            }
            after[i] = levels.clone();
        }
        Decision[] out = new Decision[n];
        for (int i = 0; i < n; i++) {
            Cell c = cells[i];
            long at = Math.max(nowMicros, c.lastMicros);
            out[i] = admitted ? Decision.of(c.spec, calls.get(i).cost(), true, after[i], at, at - nowMicros)
                    : Decision.of(c.spec, calls.get(i).cost(), holds[i], before[i], at, at - nowMicros);
        }
        if (admitted) {
            // only after every decision above read lastMicros; check-only cells stay untouched
            for (Cell c : written.keySet()) {
                long[] levels = seen.get(c);
                System.arraycopy(levels, 0, c.levels, 0, levels.length);
                c.lastMicros = Math.max(nowMicros, c.lastMicros);
            }
        }
        return List.of(out);
    }

    /** The cell of {@code bucketKey} under {@code spec}, created full if missing; may sweep first. */
    private Cell cellFor(String bucketKey, BucketSpec spec, long nowMicros) {
        ConcurrentHashMap<String, Cell> cells = bySpec.get(spec.fingerprint());
        if (cells == null) {
            cells = bySpec.computeIfAbsent(spec.fingerprint(), f -> new ConcurrentHashMap<>());
        }
        Cell cell = cells.get(bucketKey);
        if (cell == null) {
            // the cap is checked only where the map grows, and the periodic sweep is picked per thread at
            // random: a shared call counter would bounce one cache line between every deciding thread
            if (size() >= maxBuckets) {
                trySweep(nowMicros);
            }
            cell = cells.computeIfAbsent(bucketKey, k -> new Cell(k, spec));
        } else if (sweepEveryCalls > 0 && ThreadLocalRandom.current().nextInt(sweepEveryCalls) == 0) {
            trySweep(nowMicros);
        }
        return cell;
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
