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
    private final long[] remaining;
    private final long retryAfterMicros;
    private final long resetMicros;
    private final int tightest;

    private Decision(BucketSpec spec, long cost, Reason reason, long[] levels, long timestampMicros) {
        this.spec = spec;
        this.cost = cost;
        this.reason = reason;
        this.levels = levels;
        this.timestampMicros = timestampMicros;
        int n = spec.size();
        this.remaining = new long[n];
        long retry = 0;
        int tight = 0;
        for (int i = 0; i < n; i++) {
            remaining[i] = levels[i] / spec.unitsPerToken(i);
            if (reason == Reason.INSUFFICIENT_TOKENS) {
                long missing = cost * spec.unitsPerToken(i) - levels[i];
                if (missing > 0) {
                    retry = Math.max(retry, TokenBucket.ceilDiv(missing, spec.unitsPerMicro(i)));
                }
            }
            if (remaining[i] < remaining[tight]) {
                tight = i;
            }
        }
        this.retryAfterMicros = retry;
        this.resetMicros = TokenBucket.microsUntilFull(spec, levels);
        this.tightest = tight;
    }

    /**
     * Builds a decision from the levels a store observed at {@code timestampMicros}: after consumption when
     * {@code allowed}, after refill only when not.
     */
    public static Decision of(BucketSpec spec, long cost, boolean allowed, long[] levels, long timestampMicros) {
        return new Decision(spec, cost, allowed ? Reason.ALLOWED : Reason.INSUFFICIENT_TOKENS, levels, timestampMicros);
    }

    /** A denial that needs no store: the cost is larger than some limit's capacity. */
    public static Decision costExceedsCapacity(BucketSpec spec, long cost, long timestampMicros) {
        return new Decision(spec, cost, Reason.COST_EXCEEDS_CAPACITY, TokenBucket.full(spec), timestampMicros);
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
        return remaining[i];
    }

    /** Whole tokens left in the tightest limit. */
    public long remaining() {
        return remaining[tightest];
    }

    /** Index of the limit with the fewest whole tokens left. */
    public int tightestLimit() {
        return tightest;
    }

    /**
     * Microseconds until this same request would be allowed, assuming nobody else takes tokens meanwhile. Zero when
     * allowed; {@link Long#MAX_VALUE} when the cost exceeds the capacity.
     */
    public long retryAfterMicros() {
        return reason == Reason.COST_EXCEEDS_CAPACITY ? Long.MAX_VALUE : retryAfterMicros;
    }

    /** Microseconds until every limit is full again. */
    public long resetMicros() {
        return resetMicros;
    }

    /** Microseconds until limit {@code i} is full again. */
    public long resetMicros(int i) {
        return TokenBucket.ceilDiv(Math.max(0, spec.capacityUnits(i) - levels[i]), spec.unitsPerMicro(i));
    }

    /** Exact level of limit {@code i}, in internal units, at {@link #timestampMicros()}. */
    public long level(int i) {
        return levels[i];
    }

    /** The store's clock reading when it decided (Redis server time for the Redis store). */
    public long timestampMicros() {
        return timestampMicros;
    }

    @Override
    public String toString() {
        return "Decision{" + reason + ", remaining=" + Arrays.toString(remaining) + ", retryAfterMicros="
                + retryAfterMicros() + ", resetMicros=" + resetMicros + '}';
    }
}
