package io.tollgate.core.store;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.concurrent.CompletionStage;

/**
 * Where bucket state lives. Implementations refill, check and consume atomically, so concurrent callers (threads,
 * or application instances sharing a Redis) can never admit more than a bucket allows.
 *
 * <p>Every method returns at once; no caller thread ever blocks. A stage completes exceptionally with a
 * {@link StoreException} (usually {@link StoreTimeoutException} or {@link StoreUnavailableException}) when the store
 * cannot decide within its time budget.
 */
public interface BucketStore extends AutoCloseable {

    /**
     * Takes {@code cost} tokens from every limit of the bucket {@code bucketKey} if all of them hold enough, otherwise
     * takes nothing. A cost larger than some capacity is denied at once with
     * {@link Decision.Reason#COST_EXCEEDS_CAPACITY}, without touching the store.
     *
     * @param bucketKey identifies the bucket (for example {@code rule:client}); the store keeps buckets of different
     *                  {@link BucketSpec#fingerprint() specs} apart on its own
     * @param spec      the limits to enforce
     * @param cost      tokens to take, at least 1
     */
    CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost);

    /** Completes normally when the store answers, exceptionally with a {@link StoreException} otherwise. */
    CompletionStage<Void> ping();

    /** Short description for logs and health output, such as {@code redis standalone 127.0.0.1:6379}. Never holds a password. */
    String describe();

    /** True when state is shared between application instances. */
    boolean distributed();

    @Override
    void close();
}
