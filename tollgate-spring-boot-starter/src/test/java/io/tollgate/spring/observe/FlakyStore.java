package io.tollgate.spring.observe;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.ForwardingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A shared store that answers from memory until {@link #down}, then fails {@code tryConsume}, {@code tryConsumeAll}
 * and {@code ping} as unreachable.
 */
final class FlakyStore extends ForwardingBucketStore {

    volatile boolean down;
    volatile int pings;

    FlakyStore() {
        super(new InMemoryBucketStore());
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return down ? CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"))
                : delegate.tryConsume(bucketKey, spec, cost);
    }

    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        return down ? CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"))
                : delegate.tryConsumeAll(calls);
    }

    @Override
    public CompletionStage<Void> ping() {
        pings++;
        return down ? CompletableFuture.failedFuture(new StoreUnavailableException("connection refused"))
                : delegate.ping();
    }

    @Override
    public String describe() {
        return "flaky";
    }

    @Override
    public boolean distributed() {
        return true;
    }
}
