package io.tollgate.core.resilience;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.MicrosClock;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A local deny cache: after the store has denied a bucket, answers later requests on that bucket that are
 * <em>provably</em> denied without asking the store, so a client hammering a drained bucket costs no store round trips.
 *
 * <h2>Why a cached denial is never wrong</h2>
 * For limit {@code i} write {@code cap_i} (capacity units), {@code inc_i} (units refilled per microsecond) and
 * {@code u_i} (units per token). The store denies a request with {@link Decision.Reason#INSUFFICIENT_TOKENS} and reports
 * the exact levels {@code L_i} at its own time {@code T_s}: refilled, nothing consumed.
 * <ol>
 *   <li><b>Store side.</b> For every later store time {@code T >= T_s}: {@code level_i(T) <= min(cap_i, L_i + (T - T_s)
 *       * inc_i)}. Between {@code T_s} and {@code T} a level changes only by refill (deterministic, at most
 *       {@code inc_i} per microsecond, capped at {@code cap_i}) and by consumption from this or any other instance,
 *       which only lowers it. Nothing adds tokens. (A store clock that steps back counts as no elapsed time, which only
 *       lowers the level further.)</li>
 *   <li><b>Local side.</b> Let {@code t0} be the local clock read <em>before</em> the request was sent and {@code t} the
 *       local clock now, {@code D = t - t0}. The store decided after we sent, so the store time elapsed between
 *       {@code T_s} and now is at most {@code D}. Hence {@code level_i(now) <= B_i = min(cap_i, L_i + D * inc_i)}.
 *       Measuring from the arrival of the answer instead would be wrong: the store decided up to a round trip earlier,
 *       and that time refilled the bucket too. Measuring from the send time makes the bound conservative by the
 *       latency.</li>
 *   <li><b>Decision.</b> The store allows cost {@code c} iff {@code level_i >= c * u_i} for every {@code i}. So if
 *       {@code B_i < c * u_i} for some {@code i}, the store would deny the request at this instant too. We answer
 *       {@code Decision.of(spec, c, false, B, T_s + D)}. Because every {@code B_i} is an upper bound of the true level,
 *       the retry-after derived from it ({@code max_i ceil((c*u_i - B_i)+ / inc_i)}) is a lower bound of the true
 *       wait: a client that honours it never waits longer than necessary. The remaining tokens reported are upper
 *       bounds likewise.</li>
 * </ol>
 * Otherwise (the bound allows the cost) the store is asked. Every entry's bound is valid on its own, whatever happened
 * afterwards, so responses arriving out of order or entries overwritten by older answers cost precision, never
 * correctness; dropping an entry early only costs a store call.
 *
 * <h2>What is cached</h2>
 * Key {@code bucketKey + '|' + fingerprint}, value (local send time, store time, levels, spec). Only
 * {@code INSUFFICIENT_TOKENS} answers whose spec and cost match the request are cached; a
 * {@code COST_EXCEEDS_CAPACITY} answer never is (it needs no store anyway), and an allowed answer removes the entry.
 * An entry expires at {@code t0 + max_i ceil((c*u_i - L_i)+ / inc_i)} where {@code c} is the denied cost: from then on
 * the request that was denied could be allowed on every limit, so the entry no longer saves anything for it.
 * Cheaper requests are checked against the bound and go to the store as soon as their cost fits (for a cost-1 rule
 * this expiry is exactly the moment one token could be available everywhere). Note that after that moment a
 * <em>larger</em> cost could still be provably denied; dropping the entry is nevertheless always safe.
 *
 * <p>Memory is bounded by {@code maxEntries}: when full, expired entries go first, then arbitrary ones (hash order),
 * down to 75 % of the cap; if another thread is already evicting, new keys are simply not cached. Expired entries are
 * also dropped on lookup and in an amortised sweep. There is no background thread.
 *
 * <h2>When not to use it</h2>
 * The argument needs "only refill adds tokens". Do <b>not</b> wrap a store when tokens can be added otherwise: refunds
 * or leases that return tokens, administrative resets, or a store that may lose state (a Redis flush or a failover that
 * drops writes, keys evicted under memory pressure, {@code InMemoryBucketStore} dropping partly drained buckets when
 * over its cap). In those cases cached denials may outlive the reset, for at most one entry lifetime. It also assumes
 * the local clock does not run markedly slower than the store's (ordinary drift of some ppm costs microseconds). The
 * default clock is {@link MicrosClock#MONOTONIC}, immune to wall-clock steps; a local clock that goes backwards makes the entry
 * unusable rather than wrong. Finally, a local denial is what the store would answer at the instant of the local
 * decision; a real round trip would have been evaluated a one-way latency later.
 *
 * <p>Switching the cache off means not wrapping the store. {@link io.tollgate.core.limiter.StoreChain} puts it
 * outside the circuit breaker and inside the leases, and says why.
 *
 * <p>{@link #close()} drops the cached denials only; the wrapped store belongs to whoever made it.
 */
public final class DenyCachingBucketStore implements BucketStore {

    /** Default cap on cached denials. */
    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    /** One cached denial. Immutable; {@code levels} is never written after construction. */
    private record Entry(BucketSpec spec, long sendMicros, long storeMicros, long[] levels, long expiresAtMicros) {
    }

    private final BucketStore delegate;
    private final MicrosClock clock;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ReentrantLock evictLock = new ReentrantLock();
    private final long sweepEveryInserts;
    private final AtomicLong inserts = new AtomicLong();
    private final LongAdder localDenials = new LongAdder();
    private final LongAdder storeCalls = new LongAdder();

    /**
     * @param delegate   the store; must satisfy "only refill adds tokens" (see the class comment); not closed by
     *                   {@link #close()}
     * @param clock      local monotonic microseconds, read before each store call; {@link MicrosClock#MONOTONIC} in production
     * @param maxEntries cap on cached denials, at least 1
     */
    public DenyCachingBucketStore(BucketStore delegate, MicrosClock clock, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxEntries = maxEntries;
        // A sweep scans every entry (memory-latency bound, ~100 ns each); every half-cap inserts keeps that at about two
        // entry visits per insert.
        this.sweepEveryInserts = Math.max(1024, maxEntries / 2);
    }

    /** {@link MicrosClock#MONOTONIC} clock, {@value #DEFAULT_MAX_ENTRIES} entries. */
    public DenyCachingBucketStore(BucketStore delegate) {
        this(delegate, MicrosClock.MONOTONIC, DEFAULT_MAX_ENTRIES);
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        if (cost < 1 || spec.exceedsCapacity(cost)) {
            storeCalls.increment();
            return delegate.tryConsume(bucketKey, spec, cost); // rejected or answered by the store without state
        }
        String key = bucketKey + '|' + spec.fingerprint();
        long now = clock.nowMicros();
        Entry entry = entries.get(key);
        if (entry != null) {
            Decision local = provableDenial(entry, spec, cost, now);
            if (local != null) {
                localDenials.increment();
                return CompletableFuture.completedFuture(local);
            }
            if (now >= entry.expiresAtMicros() || now < entry.sendMicros()) {
                entries.remove(key, entry);
            }
        }
        storeCalls.increment();
        CompletionStage<Decision> stage;
        try {
            stage = delegate.tryConsume(bucketKey, spec, cost);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return stage.whenComplete((decision, error) -> {
            if (decision != null) {
                learn(key, spec, cost, now, decision);
            }
        });
    }

    /**
     * Always asks the store, and learns nothing from the answer. A cached denial could prove the request denied, but
     * the answer also needs every other call's decision (which of them alone would allow), and only the store knows
     * those. Nor can a denied request's levels be cached: a bucket that appears twice reports its second call's levels
     * after the first call's cost, which was never taken, so they are no upper bound of the true level. The store's
     * consumption only lowers levels, so the entries cached so far stay valid bounds.
     */
    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        storeCalls.increment();
        try {
            return delegate.tryConsumeAll(calls);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Always asks the store: a cached denial says the tokens are not there now, but a reservation may take them from
     * the future. An allowed reservation leaves the bucket short, and a denied one takes nothing, so the entries cached
     * so far stay valid bounds; the answer teaches nothing new about "now".
     */
    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        storeCalls.increment();
        try {
            return delegate.tryReserve(bucketKey, spec, cost, maxWaitMicros);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The local denial for {@code cost}, or {@code null} when the cached bound cannot prove one. */
    private static Decision provableDenial(Entry e, BucketSpec spec, long cost, long now) {
        long elapsed = now - e.sendMicros();
        if (elapsed < 0 || now >= e.expiresAtMicros() || (e.spec() != spec && !e.spec().equals(spec))) {
            return null; // clock went back (elapsed unknown), expired, or not the same limits
        }
        int n = spec.size();
        long[] bound = new long[n];
        boolean denied = false;
        for (int i = 0; i < n; i++) {
            bound[i] = TokenBucket.refill(e.levels()[i], elapsed, spec.capacityUnits(i), spec.unitsPerMicro(i));
            if (bound[i] < cost * spec.unitsPerToken(i)) { // cost <= min capacity, so no overflow
                denied = true;
            }
        }
        return denied ? Decision.of(spec, cost, false, bound, e.storeMicros() + elapsed) : null;
    }

    private void learn(String key, BucketSpec spec, long cost, long sendMicros, Decision d) {
        if (d.allowed()) {
            entries.remove(key); // the bucket had tokens; an old bound is stale at best
            return;
        }
        if (d.reason() != Decision.Reason.INSUFFICIENT_TOKENS || d.cost() != cost
                || (d.spec() != spec && !d.spec().equals(spec))) {
            return; // outside the argument's premises: do not cache
        }
        int n = spec.size();
        long[] levels = new long[n];
        long horizon = 0;
        for (int i = 0; i < n; i++) {
            levels[i] = d.level(i);
            long missing = cost * spec.unitsPerToken(i) - levels[i];
            if (missing > 0) {
                horizon = Math.max(horizon, TokenBucket.ceilDiv(missing, spec.unitsPerMicro(i)));
            }
        }
        if (horizon == 0) {
            return; // the store denied although the levels allow the cost: inconsistent, prove nothing
        }
        Entry entry = new Entry(spec, sendMicros, d.timestampMicros(), levels, sendMicros + horizon);
        if (inserts.incrementAndGet() % sweepEveryInserts == 0 || entries.size() >= maxEntries) {
            evict(clock.nowMicros());
        }
        if (entries.size() >= maxEntries) {
            entries.replace(key, entry); // full and someone else is evicting: refresh known keys only
        } else {
            entries.put(key, entry);
        }
    }

    /**
     * Drops expired entries; if still over 75 % of the cap, drops arbitrary ones (hash order) down to it. Evicting a
     * quarter at once keeps the scan's cost at a few entry visits per insert even under a flood of new keys.
     */
    private void evict(long now) {
        if (!evictLock.tryLock()) {
            return;
        }
        try {
            entries.values().removeIf(e -> now >= e.expiresAtMicros() || now < e.sendMicros());
            int target = maxEntries - Math.max(1, maxEntries / 4);
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && entries.size() > target; ) {
                it.next();
                it.remove();
            }
        } finally {
            evictLock.unlock();
        }
    }

    /** Requests denied locally, without a store call. */
    public long localDenials() {
        return localDenials.sum();
    }

    /** Requests passed on to the store. */
    public long storeCalls() {
        return storeCalls.sum();
    }

    /** Cached denials currently held (some may be expired but not yet swept). */
    public int size() {
        return entries.size();
    }

    public int maxEntries() {
        return maxEntries;
    }

    public BucketStore delegate() {
        return delegate;
    }

    @Override
    public CompletionStage<Void> ping() {
        return delegate.ping();
    }

    @Override
    public String describe() {
        return delegate.describe() + " [deny cache " + entries.size() + "/" + maxEntries + "]";
    }

    @Override
    public boolean distributed() {
        return delegate.distributed();
    }

    /** Drops the cached denials; leaves the wrapped store open. */
    @Override
    public void close() {
        entries.clear();
    }
}
