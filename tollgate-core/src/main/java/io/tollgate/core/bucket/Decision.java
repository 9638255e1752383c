package io.tollgate.core.bucket;

import java.util.Arrays;

/**
 * The outcome of one request against one bucket.
 *
 * <p>Reports whether the request is allowed, the whole tokens left per limit and for the tightest limit, the wait
 * until this same request would be allowed (zero when allowed), and the wait until the bucket is full again. It also
 * keeps the exact levels and the store's clock reading, which is what lets a caller reason about the bucket later
 * (see the deny cache).
 */
public final class Decision {

    /** Why a request was allowed or denied. */
    public enum Reason {
        /** Every limit held enough tokens. */
        ALLOWED,
        /** Some limit held too few tokens; waiting {@link #retryAfterMicros()} would help. */
        INSUFFICIENT_TOKENS,
        /** The cost exceeds a limit's capacity: this request can never succeed. */
        COST_EXCEEDS_CAPACITY
    }

    private final BucketSpec spec;
    private final long cost;
    private final Reason reason;
    private final long[] levels;
    private final long timestampMicros;
    private final long aheadMicros;

    // Derived figures are computed on demand: the hot path (allowed, then maybe headers) asks for few of them.
    private Decision(BucketSpec spec, long cost, Reason reason, long[] levels, long timestampMicros, long aheadMicros) {
        this.spec = spec;
        this.cost = cost;
        this.reason = reason;
        this.levels = levels;
        this.timestampMicros = timestampMicros;
        this.aheadMicros = aheadMicros;
    }

    /**
     * Builds a decision from the levels a store observed at {@code timestampMicros}: after consumption when
     * {@code allowed}, after refill only when not. In a {@code BucketStore.tryConsumeAll} request that was denied,
     * {@code allowed} is what this bucket alone would have done, and the levels are after refill only either way
     * (on a store that makes all the request's buckets atomic; Redis Cluster across nodes says what it does instead).
     */
    public static Decision of(BucketSpec spec, long cost, boolean allowed, long[] levels, long timestampMicros) {
        return of(spec, cost, allowed, levels, timestampMicros, 0);
    }

    /**
     * As {@link #of(BucketSpec, long, boolean, long[], long)}, for a bucket whose state is true {@code aheadMicros}
     * after the store's now: a reservation moved it there (for an allowed reservation, {@code aheadMicros} is how long
     * its caller must wait for its tokens), or the store's clock went back behind the stored time. Every wait this
     * decision reports counts from the store's now, so it includes {@code aheadMicros}.
     */
    public static Decision of(BucketSpec spec, long cost, boolean allowed, long[] levels, long timestampMicros,
                              long aheadMicros) {
        if (aheadMicros < 0) {
            throw new IllegalArgumentException("aheadMicros must be at least 0, got " + aheadMicros);
        }
        return new Decision(spec, cost, allowed ? Reason.ALLOWED : Reason.INSUFFICIENT_TOKENS, levels, timestampMicros,
                aheadMicros);
    }

    /** A denial that needs no store: the cost is larger than some limit's capacity. */
    public static Decision costExceedsCapacity(BucketSpec spec, long cost, long timestampMicros) {
        return new Decision(spec, cost, Reason.COST_EXCEEDS_CAPACITY, TokenBucket.full(spec), timestampMicros, 0);
    }

    public boolean allowed() {
        return reason == Reason.ALLOWED;
    }

    public Reason reason() {
        return reason;
    }

    public BucketSpec spec() {
        return spec;
    }

    public long cost() {
        return cost;
    }

    /** Whole tokens left in limit {@code i}. */
    public long remaining(int i) {
        return levels[i] / spec.unitsPerToken(i);
    }

    /** Whole tokens left in the tightest limit. */
    public long remaining() {
        return remaining(tightestLimit());
    }

    /** Index of the limit with the fewest whole tokens left. */
    public int tightestLimit() {
        int tight = 0;
        for (int i = 1; i < levels.length; i++) {
            if (remaining(i) < remaining(tight)) {
                tight = i;
            }
        }
        return tight;
    }

    /**
     * Microseconds until this same request would be allowed, assuming nobody else takes tokens meanwhile. Zero when
     * allowed; {@link Long#MAX_VALUE} when the cost exceeds the capacity.
     */
    public long retryAfterMicros() {
        if (reason != Reason.INSUFFICIENT_TOKENS) {
            return reason == Reason.COST_EXCEEDS_CAPACITY ? Long.MAX_VALUE : 0;
        }
        return microsUntilAvailable(cost);
    }

    /**
     * Microseconds from the store's now until every limit holds {@code tokens}, assuming nobody takes any meanwhile:
     * zero when they hold them now (the store would give them now), {@link Long#MAX_VALUE} when {@code tokens}
     * exceeds some capacity; otherwise it includes {@link #aheadMicros()}. Lets a caller that only checked a bucket
     * (cost 0) say when a given cost would pass. A decision that carries no store state
     * ({@link Reason#COST_EXCEEDS_CAPACITY}) answers {@link Long#MAX_VALUE}.
     */
    public long microsUntilAvailable(long tokens) {
        if (reason == Reason.COST_EXCEEDS_CAPACITY || spec.exceedsCapacity(tokens)) {
            return Long.MAX_VALUE;
        }
        long wait = 0;
        for (int i = 0; i < levels.length; i++) {
            long missing = tokens * spec.unitsPerToken(i) - levels[i];
            if (missing > 0) {
                wait = Math.max(wait, TokenBucket.ceilDiv(missing, spec.unitsPerMicro(i)));
            }
        }
        return wait == 0 ? 0 : aheadMicros + wait;
    }

    /** Microseconds from the store's now until every limit is full again. */
    public long resetMicros() {
        return aheadMicros + TokenBucket.microsUntilFull(spec, levels);
    }

    /** Microseconds from the store's now until limit {@code i} is full again. */
    public long resetMicros(int i) {
        return aheadMicros + TokenBucket.ceilDiv(Math.max(0, spec.capacityUnits(i) - levels[i]), spec.unitsPerMicro(i));
    }

    /**
     * How far the bucket's state time is ahead of the store's now: for an allowed {@link
     * io.tollgate.core.store.BucketStore#tryReserve reservation}, how long its caller waits for its tokens; 0 for
     * every decision that no reservation (or clock step back) put behind.
     */
    public long aheadMicros() {
        return aheadMicros;
    }

    /** Exact level of limit {@code i}, in internal units, at {@link #timestampMicros()}. */
    public long level(int i) {
        return levels[i];
    }

    /**
     * When the reported levels are true, on the store's clock (Redis server time for the Redis store): the store's
     * now plus {@link #aheadMicros()}.
     */
    public long timestampMicros() {
        return timestampMicros;
    }

    @Override
    public String toString() {
        long[] remaining = new long[levels.length];
        for (int i = 0; i < remaining.length; i++) {
            remaining[i] = remaining(i);
        }
        return "Decision{" + reason + ", remaining=" + Arrays.toString(remaining) + ", retryAfterMicros="
                + retryAfterMicros() + ", resetMicros=" + resetMicros() + '}';
    }
}
