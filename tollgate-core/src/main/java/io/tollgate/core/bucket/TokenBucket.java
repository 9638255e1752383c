package io.tollgate.core.bucket;

/**
 * The token-bucket math, as pure functions over integer state.
 *
 * <p>A bucket's state is one level per limit (in {@link Limit#unitsPerToken() units}) and the time in microseconds at
 * which those levels were true. A missing bucket is full. Refill is continuous and exact:
 * {@code level + elapsed * unitsPerMicro}, capped at the capacity. The Redis store's script ({@code tollgate_batch.lua})
 * implements the very same steps, so both stores reach identical decisions for identical inputs.
 */
public final class TokenBucket {

    private TokenBucket() {
    }

    /** Ceiling division for non-negative {@code a} and positive {@code b}. */
    public static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** The level after {@code elapsedMicros} of refill. A non-positive elapsed time adds nothing. */
    public static long refill(long level, long elapsedMicros, long capacityUnits, long unitsPerMicro) {
        long missing = capacityUnits - level;
        if (missing <= 0) {
            return capacityUnits;
        }
        if (elapsedMicros <= 0) {
            return level;
        }
        if (elapsedMicros >= ceilDiv(missing, unitsPerMicro)) {
            return capacityUnits;
        }
        return level + elapsedMicros * unitsPerMicro;
    }

    /** Levels of a new (full) bucket. */
    public static long[] full(BucketSpec spec) {
        long[] levels = new long[spec.size()];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = spec.capacityUnits(i);
        }
        return levels;
    }

    /**
     * Refills {@code levels} from {@code lastMicros} to {@code nowMicros}, then takes {@code cost} tokens from every
     * limit if every limit holds enough. On return {@code levels} holds the refilled levels, reduced by the cost when
     * allowed. A clock that went backwards is treated as no time passing.
     *
     * @return whether the request is allowed
     */
    public static boolean tryConsume(BucketSpec spec, long[] levels, long lastMicros, long nowMicros, long cost) {
        refill(spec, levels, lastMicros, nowMicros);
        boolean allowed = holds(spec, levels, cost);
        if (allowed) {
            take(spec, levels, cost);
        }
        return allowed;
    }

    /**
     * A reservation. The bucket's state is true at {@code at = max(nowMicros, lastMicros)} (later than now when an
     * earlier reservation moved it ahead, or the clock went back). If every limit holds {@code cost} tokens at
     * {@code at}, they are taken there; else the least whole number of microseconds {@code w} after which every limit
     * would hold them is found, {@code levels} are refilled by {@code w} more and the cost is taken there. Either way
     * the state is then true at {@code nowMicros + wait}, so later requests queue behind it. Returns that {@code wait}
     * ({@code at - nowMicros + w}), or -1 with {@code levels} refilled to {@code at} and nothing taken when the cost
     * exceeds some capacity or the wait would exceed {@code maxWaitMicros}.
     *
     * <p>Exact: {@code w} is the smallest with {@code level + w * unitsPerMicro >= cost * unitsPerToken} for every
     * limit, so what is left after the cost is below one microsecond of refill unless the capacity capped the refill.
     */
    public static long tryReserve(BucketSpec spec, long[] levels, long lastMicros, long nowMicros, long cost,
                                  long maxWaitMicros) {
        long at = Math.max(nowMicros, lastMicros);
        refill(spec, levels, lastMicros, at);
        long lead = at - nowMicros;
        if (spec.exceedsCapacity(cost)) {
            return -1;
        }
        long w = 0;
        for (int i = 0; i < levels.length; i++) {
            long deficit = cost * spec.unitsPerToken(i) - levels[i];
            if (deficit > 0) {
                w = Math.max(w, ceilDiv(deficit, spec.unitsPerMicro(i)));
            }
        }
        if (lead + w > maxWaitMicros) {
            return -1;
        }
        refill(spec, levels, 0, w);
        take(spec, levels, cost);
        return lead + w;
    }

    /** Refills every limit of {@code levels} in place from {@code lastMicros} to {@code nowMicros}. */
    public static void refill(BucketSpec spec, long[] levels, long lastMicros, long nowMicros) {
        long elapsed = nowMicros - lastMicros;
        for (int i = 0; i < levels.length; i++) {
            levels[i] = refill(levels[i], elapsed, spec.capacityUnits(i), spec.unitsPerMicro(i));
        }
    }

    /** Whether every limit holds {@code cost} tokens (always true for cost 0). */
    public static boolean holds(BucketSpec spec, long[] levels, long cost) {
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] < cost * spec.unitsPerToken(i)) {
                return false;
            }
        }
        return true;
    }

    /** Takes {@code cost} tokens from every limit; the caller has checked {@link #holds}. */
    public static void take(BucketSpec spec, long[] levels, long cost) {
        for (int i = 0; i < levels.length; i++) {
            levels[i] -= cost * spec.unitsPerToken(i);
        }
    }

    /** Microseconds until every limit is full again, given the current levels. */
    public static long microsUntilFull(BucketSpec spec, long[] levels) {
        long max = 0;
        for (int i = 0; i < levels.length; i++) {
            max = Math.max(max, ceilDiv(Math.max(0, spec.capacityUnits(i) - levels[i]), spec.unitsPerMicro(i)));
        }
        return max;
    }
}
