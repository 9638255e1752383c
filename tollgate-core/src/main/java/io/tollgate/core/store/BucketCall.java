package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import java.util.Objects;

/**
 * One bucket of an all-or-nothing request to {@link BucketStore#tryConsumeAll}: which bucket, its limits, and how many
 * tokens the request takes from it.
 *
 * @param bucketKey identifies the bucket, as in {@link BucketStore#tryConsume}
 * @param spec      the limits to enforce
 * @param cost      tokens to take, at least 0; 0 only reads the bucket (check only) and never consumes or denies
 */
public record BucketCall(String bucketKey, BucketSpec spec, long cost) {

    /** @throws IllegalArgumentException if {@code cost} is negative */
    public BucketCall {
        Objects.requireNonNull(bucketKey, "bucketKey");
        Objects.requireNonNull(spec, "spec");
        if (cost < 0) {
            throw new IllegalArgumentException("cost must be at least 0, got " + cost);
        }
    }

    /** True when the cost can never be allowed, whatever the bucket holds. */
    public boolean exceedsCapacity() {
        return spec.exceedsCapacity(cost);
    }
}
