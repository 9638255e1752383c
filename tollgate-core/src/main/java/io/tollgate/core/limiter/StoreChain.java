package io.tollgate.core.limiter;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.resilience.CircuitBreaker;
import io.tollgate.core.resilience.CircuitBreakingBucketStore;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.MicrosClock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The layers a decision passes through on its way to a store, assembled in the one order that keeps each layer's
 * guarantee, and typed handles to those layers for metrics and health. Built with
 * {@code StoreChain.around(store).breaker(...).denyCache(maxEntries).leases(ttl).build()}; every layer is optional.
 *
 * <h2>Order, outermost first</h2>
 * <pre>
 *   leased rules:   leases -&gt; deny cache -&gt; breaker -&gt; store
 *   other rules:              deny cache -&gt; breaker -&gt; store
 * </pre>
 * <ul>
 *   <li><b>Breaker innermost</b>, right around the store, so it judges real store calls only: a denial served
 *       locally and counted as a success would close a half-open breaker without the store having answered.</li>
 *   <li><b>Deny cache outside the breaker</b>: a provable denial stays provable while the store is down, so the cache
 *       keeps serving denials while the circuit is open, and they never count toward the breaker.</li>
 *   <li><b>Leases outermost, fetching through both</b>: a batch fetch is an ordinary store call, so a drained bucket's
 *       fetches are answered by the deny cache and an outage fails them fast at the breaker. Leases never give tokens
 *       back, so the deny cache's premise (only refill adds tokens) holds below them.</li>
 * </ul>
 * Which requests are leased is the caller's choice, per call ({@link #tryConsume}'s {@code leased}, which
 * {@link RateLimiter} takes from {@code rule.lease()}): leased requests enter at the leases, the others skip that
 * layer. The builder's calls may come in any order; {@link Builder#build()} always assembles this one.
 *
 * <h2>Ownership</h2>
 * The chain owns the layers it made, and {@link #close()} closes them (dropping leased tokens and cached denials). It
 * never closes the store it was built around: whoever made the store closes it (in the Spring starter the store is a
 * bean of its own), so several chains or benchmarks may share one store.
 */
public final class StoreChain implements AutoCloseable {

    private final BucketStore store;
    private final CircuitBreakingBucketStore breaker;
    private final DenyCachingBucketStore denyCache;
    private final LeasingBucketStore leases;
    /** Where unleased requests and pings enter: the outermost layer below the leases. */
    private final BucketStore unleased;
    /** Where leased requests enter: the leases, or {@link #unleased} without them. */
    private final BucketStore leased;

    private StoreChain(Builder b) {
        this.store = b.store;
        BucketStore top = b.store;
        this.breaker = b.breaker == null ? null : new CircuitBreakingBucketStore(top, b.breaker);
        top = breaker == null ? top : breaker;
        this.denyCache = b.denyCacheEntries == 0 ? null : new DenyCachingBucketStore(top, b.clock, b.denyCacheEntries);
        top = denyCache == null ? top : denyCache;
        this.unleased = top;
        this.leases = b.leaseTtl == null ? null : new LeasingBucketStore(top, b.clock, b.leaseTtl);
        this.leased = leases == null ? top : leases;
    }

    /** Starts a chain around {@code store}, which the chain uses but never closes. */
    public static Builder around(BucketStore store) {
        return new Builder(store);
    }

    /**
     * Decides one request.
     *
     * @param leased true to serve it from leased tokens (when the chain has leases); false to skip the leases
     * @see BucketStore#tryConsume
     */
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost, boolean leased) {
        return (leased ? this.leased : unleased).tryConsume(bucketKey, spec, cost);
    }

    /** The chain as a store for leased requests: the leases, or {@link #unleased()} when the chain has none. */
    public BucketStore leased() {
        return leased;
    }

    /** The chain as a store for unleased requests: the deny cache, else the breaker, else the store. */
    public BucketStore unleased() {
        return unleased;
    }

    /** Pings the store through the breaker (so a health check can serve as its probe), past the deny cache. */
    public CompletionStage<Void> ping() {
        return unleased.ping();
    }

    /** The store's description with the state of each layer, e.g. {@code ... [circuit CLOSED] [deny cache 0/100] with token leases}. */
    public String describe() {
        return leased.describe();
    }

    /** True when the store shares state between instances. */
    public boolean distributed() {
        return store.distributed();
    }

    /** The store at the bottom of the chain, as given to {@link #around}. */
    public BucketStore store() {
        return store;
    }

    /** The circuit breaker around the store; empty when built without one. */
    public Optional<CircuitBreaker> breaker() {
        return Optional.ofNullable(breaker).map(CircuitBreakingBucketStore::breaker);
    }

    /** The deny cache, outside the breaker; empty when built without one. */
    public Optional<DenyCachingBucketStore> denyCache() {
        return Optional.ofNullable(denyCache);
    }

    /** The leases, outermost; empty when built without them. */
    public Optional<LeasingBucketStore> leases() {
        return Optional.ofNullable(leases);
    }

    /** Closes the layers (outermost first), not the store. */
    @Override
    public void close() {
        if (leases != null) {
            leases.close();
        }
        if (denyCache != null) {
            denyCache.close();
        }
        if (breaker != null) {
            breaker.close();
        }
    }

    @Override
    public String toString() {
        return "StoreChain{" + describe() + '}';
    }

    /** Chooses the layers; each call replaces an earlier one of its kind. */
    public static final class Builder {
        private final BucketStore store;
        private MicrosClock clock = MicrosClock.MONOTONIC;
        private CircuitBreaker breaker;
        private int denyCacheEntries;
        private Duration leaseTtl;

        private Builder(BucketStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * The clock of the deny cache and the leases: local durations only, so {@link MicrosClock#MONOTONIC} (the
         * default) in production. The breaker brings its own.
         */
        public Builder clock(MicrosClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A circuit breaker right around the store; the chain's breaker layer owns it from now on. */
        public Builder breaker(CircuitBreaker breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        /** A deny cache of at most {@code maxEntries} (at least 1) outside the breaker. */
        public Builder denyCache(int maxEntries) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
            }
            this.denyCacheEntries = maxEntries;
            return this;
        }

        /** Leases, outermost, whose unused tokens are dropped {@code leaseTtl} (positive) after their fetch. */
        public Builder leases(Duration leaseTtl) {
            if (leaseTtl.isNegative() || leaseTtl.isZero()) {
                throw new IllegalArgumentException("lease TTL must be positive, got " + leaseTtl);
            }
            this.leaseTtl = leaseTtl;
            return this;
        }

        /** Leases with {@link LeasingBucketStore#DEFAULT_LEASE_TTL}. */
        public Builder leases() {
            return leases(LeasingBucketStore.DEFAULT_LEASE_TTL);
        }

        public StoreChain build() {
            return new StoreChain(this);
        }
    }
}
