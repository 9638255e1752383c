package io.tollgate.core.bucket;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The limits one bucket enforces together: a request is allowed only if every limit allows it, and then takes tokens
 * from all of them. Immutable and cheap to share.
 *
 * <p>The {@link #fingerprint()} changes whenever any limit changes, so stores can keep state of a changed rule apart
 * from the old one (old state then simply expires).
 */
public final class BucketSpec {

    private final List<Limit> limits;
    private final String fingerprint;
    private final long[] capacityUnits;
    private final long[] unitsPerMicro;
    private final long[] unitsPerToken;
    private final long maxCapacity;
    private final long minCapacity;

    private BucketSpec(List<Limit> limits) {
        this.limits = List.copyOf(limits);
        int n = limits.size();
        this.capacityUnits = new long[n];
        this.unitsPerMicro = new long[n];
        this.unitsPerToken = new long[n];
        long max = 0;
        long min = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            Limit l = limits.get(i);
            capacityUnits[i] = l.capacityUnits();
            unitsPerMicro[i] = l.unitsPerMicro();
            unitsPerToken[i] = l.unitsPerToken();
            max = Math.max(max, l.capacity());
            min = Math.min(min, l.capacity());
        }
        this.maxCapacity = max;
        this.minCapacity = min;
        this.fingerprint = fingerprintOf(limits);
    }

    /** @throws IllegalArgumentException if {@code limits} is empty */
    public static BucketSpec of(List<Limit> limits) {
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("a bucket needs at least one limit");
        }
        return new BucketSpec(limits);
    }

    public static BucketSpec of(Limit... limits) {
        return of(List.of(limits));
    }

    /**
     * This spec with every capacity and rate divided by {@code instances}: the share of one instance when
     * {@code instances} instances decide on their own (the {@code local} failure policy). A capacity never drops below
     * {@code minCapacity}, so a request the real limit could allow stays possible; a rate never drops below one token
     * per million seconds, nor below the precision a limit can hold exactly (then the rate stays whole).
     *
     * @return this very spec when {@code instances} is 1
     */
    public BucketSpec dividedAmong(int instances, long minCapacity) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances must be at least 1, got " + instances);
        }
        if (instances == 1) {
            return this;
        }
        List<Limit> scaled = new ArrayList<>(limits.size());
        BigDecimal n = BigDecimal.valueOf(instances);
        for (Limit l : limits) {
            long capacity = Math.max(minCapacity, l.capacity() / instances);
            BigDecimal rate = l.refillTokens().divide(n, 6, RoundingMode.DOWN);
            if (rate.signum() == 0) {
                rate = new BigDecimal("0.000001");
            }
            try {
                scaled.add(Limit.of(capacity, rate, l.period()));
            } catch (IllegalArgumentException tooPrecise) {
                scaled.add(Limit.of(capacity, l.refillTokens(), l.period()));
            }
        }
        return of(scaled);
    }

    public List<Limit> limits() {
        return limits;
    }

    public int size() {
        return limits.size();
    }

    public Limit limit(int i) {
        return limits.get(i);
    }

    public long capacityUnits(int i) {
        return capacityUnits[i];
    }

    public long unitsPerMicro(int i) {
        return unitsPerMicro[i];
    }

    public long unitsPerToken(int i) {
        return unitsPerToken[i];
    }

    /** The smallest capacity of all limits: a larger cost can never be allowed. */
    public long minCapacity() {
        return minCapacity;
    }

    public long maxCapacity() {
        return maxCapacity;
    }

    /** True when {@code cost} exceeds some limit's capacity, so no amount of waiting could allow it. */
    public boolean exceedsCapacity(long cost) {
        return cost > minCapacity;
    }

    /** Eight hex digits that identify these limits. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Human-readable form such as {@code 20@5/second+1000@1000/hour}. */
    public String spec() {
        return limits.stream().map(Limit::spec).collect(Collectors.joining("+"));
    }

    private static String fingerprintOf(List<Limit> limits) {
        String text = limits.stream().map(Limit::spec).collect(Collectors.joining("+"));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(8);
            for (int i = 0; i < 4; i++) {
                sb.append(Character.forDigit((d[i] >> 4) & 0xF, 16)).append(Character.forDigit(d[i] & 0xF, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BucketSpec other && limits.equals(other.limits);
    }

    @Override
    public int hashCode() {
        return limits.hashCode();
    }

    @Override
    public String toString() {
        return spec();
    }
}
