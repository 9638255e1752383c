package io.tollgate.core.lease;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.TokenBucket;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.MicrosClock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token leases for hot, global buckets: this instance takes a small batch of tokens from the backing (shared) store in
 * one {@code tryConsume(key, spec, batch)} call and then serves requests from that batch locally, without a round trip.
 * Every bucket sent here is leased; choosing which ones are (rules with {@code lease} on) is the caller's business:
 * {@link io.tollgate.core.limiter.StoreChain} sends only those here and the rest past this layer.
 *
 * <h2>Safety: never over-admits</h2>
 * Leased tokens are consumed from the backing store up front (for every limit of a multi-limit spec, since the batch
 * is an ordinary cost), and a request is admitted locally only by taking tokens from such a batch. So the instances
 * sharing a store together admit at most what the store itself would have admitted: no over-admission, ever.
 *
 * <h2>Under-admission bound</h2>
 * Let {@code B = maxBatch(spec) = max(1, floor(5% of the spec's smallest capacity))}. An instance holds at most
 * {@code B} unused tokens per bucket at any moment (a fetch is started only when the held tokens cannot pay the
 * request, and asks for at most {@code B - held}; requests with a cost above {@code B} bypass the lease). Held tokens
 * expire {@code leaseTtl} after the fetch that last refilled them and are then lost. Hence, per bucket and instance:
 * <ul>
 *   <li>at any instant, tokens taken from the store but not (yet) admitted are at most {@code B} held plus those lost
 *       to expiry;</li>
 *   <li>each expiry loses at most {@code B} tokens, and expiries are at least {@code leaseTtl} apart, so over a span
 *       of {@code T} at most {@code B * (floor(T / leaseTtl) + 1)} tokens are lost.</li>
 * </ul>
 * So with {@code N} instances, {@code admitted >= grantedByStore - N * B} for any span shorter than {@code leaseTtl},
 * and {@code admitted >= grantedByStore - N * B * (floor(T / leaseTtl) + 2)} in general: at most one batch per
 * instance per lease TTL, plus the batch currently held.
 *
 * <h2>Batch size</h2>
 * Starts at {@code max(1, 1% of capacity)}, then follows the local rate: the tokens this instance used in the last
 * ~100 ms, clamped to {@code [1, B]}. So a busy instance fetches about ten times a second, an idle one holds little.
 *
 * <h2>Concurrency</h2>
 * Each leased bucket has a tiny monitor held only for a few field updates; nothing blocks on I/O. At most one fetch
 * per bucket is in flight: requests that find the batch empty while a fetch is running wait on the same future (no
 * thread is parked), then try the refreshed batch once, and fall back to a direct store call if it is gone already.
 * A batch that the store denies is retried once with just the request's cost, so a nearly empty bucket still serves.
 * After a denial, requests of at least that cost are denied locally until the store's retry-after, measured from
 * when the denied call was sent (so never longer than the store would deny them).
 */
public final class LeasingBucketStore implements BucketStore {

    /** Default time after which unused leased tokens are dropped. */
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(1);

    private static final long RATE_WINDOW_MICROS = 100_000;
    private static final int SWEEP_EVERY_CALLS = 1 << 14;

    private final BucketStore backing;
    private final MicrosClock clock;
    private final long leaseTtlMicros;
    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong storeCalls = new AtomicLong();

    /**
     * @param backing  the shared store leases are taken from; not closed by {@link #close()}
     * @param clock    lease expiry and rate windows, local durations only: {@link MicrosClock#MONOTONIC} in production
     * @param leaseTtl how long unused leased tokens are kept, more than 0
     */
    public LeasingBucketStore(BucketStore backing, MicrosClock clock, Duration leaseTtl) {
        this.backing = Objects.requireNonNull(backing, "backing");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (leaseTtl.isNegative() || leaseTtl.isZero()) {
            throw new IllegalArgumentException("lease TTL must be positive, got " + leaseTtl);
        }
        this.leaseTtlMicros = leaseTtl.toNanos() / 1000;
    }

    /** {@link MicrosClock#MONOTONIC} clock, {@link #DEFAULT_LEASE_TTL}. */
    public LeasingBucketStore(BucketStore backing) {
        this(backing, MicrosClock.MONOTONIC, DEFAULT_LEASE_TTL);
    }

    /** Largest number of tokens one instance holds for a bucket of this spec: {@code max(1, 5% of min capacity)}. */
    public static long maxBatch(BucketSpec spec) {
        return Math.max(1, spec.minCapacity() / 20);
    }

    /** First batch size: {@code max(1, 1% of min capacity)}. */
    static long initialBatch(BucketSpec spec) {
        return Math.max(1, spec.minCapacity() / 100);
    }

    /** Calls made to the backing store so far (fetches, retries and pass-through calls). */
    public long backingCalls() {
        return storeCalls.get();
    }

    /** Per bucket (key and spec) lease state. Guarded by its own monitor. */
    private static final class Lease {
        final BucketSpec spec;
        long tokens;
        long expiresAtMicros;
        /** The store's levels after the last grant, for the remaining-tokens figures of local decisions. */
        long[] storeLevels;
        CompletableFuture<Void> fetching;
        long deniedUntilMicros;
        long deniedCost = Long.MAX_VALUE;
        long[] deniedLevels;
        long deniedAtMicros;
        long windowStartMicros;
        long usedInWindow;
        long usedInLastWindow;
        long batch;
        boolean evicted;

        Lease(BucketSpec spec, long nowMicros) {
            this.spec = spec;
            this.storeLevels = TokenBucket.full(spec);
            this.windowStartMicros = nowMicros;
            this.batch = initialBatch(spec);
        }

        /** Next fetch size given {@code held} tokens and a request of {@code cost}: in [cost - held, maxBatch - held]. */
        long fetchSize(long held, long cost, long nowMicros) {
            roll(nowMicros);
            long max = maxBatch(spec);
            long rate = Math.max(usedInWindow, usedInLastWindow);
            long target = usedInLastWindow == 0 && usedInWindow == 0 ? batch : Math.max(1, Math.min(max, rate));
            batch = target;
            return Math.max(cost - held, Math.min(target, max - held));
        }

        void used(long cost, long nowMicros) {
            roll(nowMicros);
            usedInWindow += cost;
        }

        private void roll(long nowMicros) {
            long elapsed = nowMicros - windowStartMicros;
            if (elapsed >= RATE_WINDOW_MICROS) {
                usedInLastWindow = elapsed >= 2 * RATE_WINDOW_MICROS ? 0 : usedInWindow;
                usedInWindow = 0;
                windowStartMicros = nowMicros;
            }
        }
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
        if (cost > maxBatch(spec)) {
            return direct(bucketKey, spec, cost);
        }
        maybeSweep();
        String id = bucketKey + '|' + spec.fingerprint();
        Lease lease = leases.get(id);
        if (lease == null) {
            lease = leases.computeIfAbsent(id, k -> new Lease(spec, clock.nowMicros()));
        }
        if (!(lease.spec == spec || lease.spec.equals(spec))) {
            return direct(bucketKey, spec, cost); // fingerprint collision: never mix two specs' tokens
        }
        return attempt(bucketKey, lease, cost, true);
    }

    private CompletionStage<Decision> direct(String bucketKey, BucketSpec spec, long cost) {
        storeCalls.incrementAndGet();
        return backing.tryConsume(bucketKey, spec, cost);
    }

    private CompletionStage<Decision> attempt(String bucketKey, Lease lease, long cost, boolean mayWait) {
        long now = clock.nowMicros();
        long fetch;
        long held;
        CompletableFuture<Void> started;
        synchronized (lease) {
            if (lease.evicted) {
                return tryConsume(bucketKey, lease.spec, cost); // swept concurrently: use the replacement
            }
            if (lease.tokens > 0 && now >= lease.expiresAtMicros) {
                lease.tokens = 0; // expired: these tokens are lost (the documented under-admission)
            }
            if (lease.tokens >= cost) {
                lease.tokens -= cost;
                lease.used(cost, now);
                return CompletableFuture.completedFuture(localDecision(lease, cost, true, now));
            }
            if (now < lease.deniedUntilMicros && cost >= lease.deniedCost) {
                return CompletableFuture.completedFuture(localDecision(lease, cost, false, now));
            }
            if (lease.fetching != null) {
                if (mayWait) {
                    return lease.fetching.thenCompose(v -> attempt(bucketKey, lease, cost, false));
                }
                started = null;
                fetch = 0;
                held = 0;
            } else {
                // Reserve what is held for this request; the fetch brings the rest plus the next batch.
                held = lease.tokens;
                lease.tokens = 0;
                fetch = lease.fetchSize(held, cost, now);
                started = new CompletableFuture<>();
                lease.fetching = started;
            }
        }
        if (started == null) {
            // The batch we waited for is used up and another fetch is running: ask the store for this request only.
            return direct(bucketKey, lease.spec, cost);
        }
        return fetch(bucketKey, lease, cost, held, fetch, now, started);
    }

    /** Fetches {@code fetch} tokens; with the {@code held} reserved ones they pay {@code cost}, the rest is leased. */
    private CompletionStage<Decision> fetch(String bucketKey, Lease lease, long cost, long held, long fetch,
            long sentMicros, CompletableFuture<Void> started) {
        BucketSpec spec = lease.spec;
        long need = cost - held;
        CompletableFuture<Decision> out = new CompletableFuture<>();
        direct(bucketKey, spec, fetch).whenComplete((d, error) -> {
            if (error != null) {
                giveBack(lease, held, null, cost, 0);
                finishFetch(lease, started);
                out.completeExceptionally(error);
            } else if (d.allowed()) {
                Decision mine = granted(lease, d, cost, held + fetch - cost);
                finishFetch(lease, started);
                out.complete(mine);
            } else if (fetch > need) {
                // The batch did not fit: ask once more for just what this request lacks, so a nearly empty bucket
                // still serves.
                long resent = clock.nowMicros();
                direct(bucketKey, spec, need).whenComplete((d2, e2) -> {
                    Decision result = null;
                    if (e2 == null && d2.allowed()) {
                        result = granted(lease, d2, cost, 0);
                    } else {
                        giveBack(lease, held, e2 == null ? d2 : null, cost, resent);
                        if (e2 == null) {
                            result = reframe(d2, cost);
                        }
                    }
                    finishFetch(lease, started);
                    if (e2 != null) {
                        out.completeExceptionally(e2);
                    } else {
                        out.complete(result);
                    }
                });
            } else {
                giveBack(lease, held, d, cost, sentMicros);
                finishFetch(lease, started);
                out.complete(reframe(d, cost));
            }
        });
        return out;
    }

    /** The store granted a fetch: {@code leftover} tokens join the lease, whose TTL restarts. */
    private Decision granted(Lease lease, Decision d, long cost, long leftover) {
        long now = clock.nowMicros();
        synchronized (lease) {
            if (lease.tokens > 0 && now >= lease.expiresAtMicros) {
                lease.tokens = 0;
            }
            lease.tokens += leftover;
            lease.expiresAtMicros = now + leaseTtlMicros;
            lease.storeLevels = levelsOf(d);
            lease.deniedUntilMicros = 0;
            lease.deniedCost = Long.MAX_VALUE;
            lease.used(cost, now);
            return localDecision(lease, cost, true, now);
        }
    }

    /** The request is not admitted: its reserved tokens go back to the lease; a denial is remembered. */
    private void giveBack(Lease lease, long held, Decision denied, long cost, long sentMicros) {
        synchronized (lease) {
            lease.tokens += held; // they keep their original expiry
            if (denied != null && denied.reason() == Decision.Reason.INSUFFICIENT_TOKENS) {
                Decision asked = reframe(denied, cost);
                lease.deniedUntilMicros = sentMicros + asked.retryAfterMicros();
                lease.deniedCost = cost;
                lease.deniedLevels = levelsOf(denied);
                lease.deniedAtMicros = sentMicros;
            }
        }
    }

    /** The store's levels, read as a decision about the full {@code cost} of the request. */
    private static Decision reframe(Decision d, long cost) {
        if (d.cost() == cost || d.reason() != Decision.Reason.INSUFFICIENT_TOKENS) {
            return d;
        }
        return Decision.of(d.spec(), cost, false, levelsOf(d), d.timestampMicros());
    }

    private static void finishFetch(Lease lease, CompletableFuture<Void> started) {
        synchronized (lease) {
            if (lease.fetching == started) {
                lease.fetching = null;
            }
        }
        started.complete(null);
    }

    private static long[] levelsOf(Decision d) {
        int n = d.spec().size();
        long[] levels = new long[n];
        for (int i = 0; i < n; i++) {
            levels[i] = d.level(i);
        }
        return levels;
    }

    /** A decision made from the lease: remaining = store's level at the last grant plus what this instance holds. */
    private static Decision localDecision(Lease lease, long cost, boolean allowed, long now) {
        BucketSpec spec = lease.spec;
        int n = spec.size();
        long[] levels = new long[n];
        if (allowed) {
            for (int i = 0; i < n; i++) {
                levels[i] = Math.min(spec.capacityUnits(i),
                        lease.storeLevels[i] + lease.tokens * spec.unitsPerToken(i));
            }
        } else {
            long elapsed = now - lease.deniedAtMicros;
            for (int i = 0; i < n; i++) {
                levels[i] = TokenBucket.refill(lease.deniedLevels[i], elapsed, spec.capacityUnits(i),
                        spec.unitsPerMicro(i));
            }
        }
        return Decision.of(spec, cost, allowed, levels, now);
    }

    private void maybeSweep() {
        if ((calls.incrementAndGet() & (SWEEP_EVERY_CALLS - 1)) != 0) {
            return;
        }
        long now = clock.nowMicros();
        for (Iterator<Lease> it = leases.values().iterator(); it.hasNext(); ) {
            Lease l = it.next();
            synchronized (l) {
                if (l.fetching == null && (l.tokens == 0 || now >= l.expiresAtMicros) && now >= l.deniedUntilMicros
                        && now - l.windowStartMicros >= 2 * RATE_WINDOW_MICROS) {
                    l.evicted = true;
                    it.remove(); // holds nothing usable any more
                }
            }
        }
    }

    /** The store leases are taken from. */
    public BucketStore backing() {
        return backing;
    }

    /**
     * Goes straight to the backing store: leases do not apply. A lease serves one bucket from tokens held here, which
     * cannot take part in one atomic decision with other buckets. Never over-admits (the backing store decides, and
     * leased tokens were taken from it already); tokens this instance holds for those buckets are not offered to the
     * request, which is the same under-admission as above.
     */
    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        storeCalls.incrementAndGet();
        return backing.tryConsumeAll(calls);
    }

    /** Straight to the store: a lease holds tokens taken now, a reservation takes them from the future. */
    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        storeCalls.incrementAndGet();
        return backing.tryReserve(bucketKey, spec, cost, maxWaitMicros);
    }

    @Override
    public CompletionStage<Void> ping() {
        return backing.ping();
    }

    @Override
    public String describe() {
        return backing.describe() + " with token leases";
    }

    @Override
    public boolean distributed() {
        return backing.distributed();
    }

    /** Drops the leased tokens (they are lost, as on expiry); leaves the backing store open. */
    @Override
    public void close() {
        leases.clear();
    }
}
