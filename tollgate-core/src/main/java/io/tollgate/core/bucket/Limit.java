package io.tollgate.core.bucket;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Objects;

/**
 * One token-bucket limit: a capacity (the burst) and a refill rate of {@code refillTokens} per {@link RefillPeriod}.
 *
 * <p>All arithmetic is exact integer arithmetic. A token is {@link #unitsPerToken()} units and the bucket gains
 * exactly {@link #unitsPerMicro()} units per microsecond, both chosen as the smallest integers that represent the
 * (possibly fractional) rate exactly. Because the Redis script runs in Lua, whose numbers are doubles, every value the
 * script can produce must stay below 2<sup>53</sup>; {@link #of} rejects limits that could not guarantee that.
 */
public final class Limit {

    /** Largest integer a Lua double represents exactly, plus one. */
    public static final long EXACT_LIMIT = 1L << 53;

    private final long capacity;
    private final BigDecimal refillTokens;
    private final RefillPeriod period;
    private final long unitsPerToken;
    private final long unitsPerMicro;
    private final long capacityUnits;

    private Limit(long capacity, BigDecimal refillTokens, RefillPeriod period, long unitsPerToken, long unitsPerMicro) {
        this.capacity = capacity;
        this.refillTokens = refillTokens;
        this.period = period;
        this.unitsPerToken = unitsPerToken;
        this.unitsPerMicro = unitsPerMicro;
        this.capacityUnits = capacity * unitsPerToken;
    }

    /** Shorthand for a whole-number rate. */
    public static Limit of(long capacity, long refillTokens, RefillPeriod period) {
        return of(capacity, BigDecimal.valueOf(refillTokens), period);
    }

    /**
     * Creates a limit.
     *
     * @param capacity     burst size in whole tokens, at least 1
     * @param refillTokens tokens added per period, greater than 0, may be fractional
     * @param period       refill period
     * @throws IllegalArgumentException with a message fit for a user when a value is out of range or the
     *                                  combination cannot be computed exactly
     */
    public static Limit of(long capacity, BigDecimal refillTokens, RefillPeriod period) {
        Objects.requireNonNull(refillTokens, "refillTokens");
        Objects.requireNonNull(period, "period");
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be a whole number greater than 0, got " + capacity);
        }
        if (refillTokens.signum() <= 0) {
            throw new IllegalArgumentException("refill_rate must be greater than 0, got " + refillTokens);
        }
        BigDecimal rate = refillTokens.stripTrailingZeros();
        // Beyond these bounds the check below must fail anyway (unitsPerToken >= 2^scale, unitsPerMicro >= rate / P);
        // failing early keeps BigInteger.pow from hanging on inputs like 1e-999999999.
        if (rate.scale() > 60 || rate.precision() - rate.scale() > 30) {
            throw tooLarge(capacity, rate.toString(), period);
        }
        if (rate.scale() < 0) {
            rate = rate.setScale(0);
        }
        // rate = a / b tokens per period; per microsecond that is a / (b * P) tokens.
        BigInteger a = rate.unscaledValue();
        BigInteger bp = BigInteger.TEN.pow(rate.scale()).multiply(BigInteger.valueOf(period.micros()));
        BigInteger g = a.gcd(bp);
        BigInteger unitsPerToken = bp.divide(g);
        BigInteger unitsPerMicro = a.divide(g);
        BigInteger capacityUnits = unitsPerToken.multiply(BigInteger.valueOf(capacity));
        if (capacityUnits.add(unitsPerMicro).compareTo(BigInteger.valueOf(EXACT_LIMIT)) >= 0) {
            throw tooLarge(capacity, rate.toPlainString(), period);
        }
        return new Limit(capacity, rate, period, unitsPerToken.longValueExact(), unitsPerMicro.longValueExact());
    }

    private static IllegalArgumentException tooLarge(long capacity, String rate, RefillPeriod period) {
        return new IllegalArgumentException("capacity " + capacity + " with refill_rate " + rate
                + " per " + period.label() + " is too large to compute exactly (capacity x precision of the rate"
                + " must stay below 2^53); lower the capacity, use fewer decimal places, or a shorter period");
    }

    /** Burst size in tokens. */
    public long capacity() {
        return capacity;
    }

    /** Tokens added per {@link #period()}. */
    public BigDecimal refillTokens() {
        return refillTokens;
    }

    public RefillPeriod period() {
        return period;
    }

    /** Internal units that make one token. */
    public long unitsPerToken() {
        return unitsPerToken;
    }

    /** Internal units added per microsecond. */
    public long unitsPerMicro() {
        return unitsPerMicro;
    }

    /** Capacity in internal units. */
    public long capacityUnits() {
        return capacityUnits;
    }

    /** Seconds an empty bucket takes to fill completely, rounded up (the {@code w} of {@code RateLimit-Policy}). */
    public long windowSeconds() {
        long micros = TokenBucket.ceilDiv(capacityUnits, unitsPerMicro);
        return Math.max(1, TokenBucket.ceilDiv(micros, 1_000_000L));
    }

    /** Refill rate in tokens per second, for display and local scaling. */
    public double tokensPerSecond() {
        return refillTokens.doubleValue() * 1_000_000d / period.micros();
    }

    /** A stable text form used in fingerprints and logs, e.g. {@code 20@5/second}. */
    public String spec() {
        return capacity + "@" + refillTokens.toPlainString() + "/" + period.label();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit other && capacity == other.capacity && period == other.period
                && refillTokens.compareTo(other.refillTokens) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(capacity, period, refillTokens.stripTrailingZeros());
    }

    @Override
    public String toString() {
        return spec();
    }
}
