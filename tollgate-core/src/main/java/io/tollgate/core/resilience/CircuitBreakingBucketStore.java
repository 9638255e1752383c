package io.tollgate.core.resilience;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Puts a {@link CircuitBreaker} in front of a store: while the breaker is open, calls complete at once with a
 * {@link CircuitOpenException} instead of waiting for a store that is known to be down.
 *
 * <p>Every call that reaches the store reports its outcome: a {@link StoreException} (timeout, unavailable) is a
 * failure; any {@link Decision}, allowed or denied, is a success; any other exception (a bug, a bad argument) counts
 * neither way. {@link #ping()} goes through the breaker too, so a health check can serve as the probe.
 *
 * <p>{@link io.tollgate.core.limiter.StoreChain} puts this layer innermost, under the deny cache and the leases, and
 * says why.
 *
 * <p>{@link #close()} closes nothing: the breaker holds no resources, and the wrapped store belongs to whoever made it.
 */
public final class CircuitBreakingBucketStore implements BucketStore {

    private final BucketStore delegate;
    private final CircuitBreaker breaker;

    /**
     * @param delegate the store to protect; not closed by {@link #close()}
     * @param breaker  the breaker; owned by this store from now on
     */
    public CircuitBreakingBucketStore(BucketStore delegate, CircuitBreaker breaker) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
    }

    /** A breaker with the defaults (5 failures, 2 s cool-down), named after the store. */
    public CircuitBreakingBucketStore(BucketStore delegate) {
        this(delegate, new CircuitBreaker(delegate.describe()));
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return guarded(() -> delegate.tryConsume(bucketKey, spec, cost));
    }

    /** Through the breaker like {@link #tryConsume}: the request's answer, allowed or denied, is one success. */
    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        return guarded(() -> delegate.tryConsumeAll(calls));
    }

    /** Through the breaker like {@link #tryConsume}. */
    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        return guarded(() -> delegate.tryReserve(bucketKey, spec, cost, maxWaitMicros));
    }

    @Override
    public CompletionStage<Void> ping() {
        return guarded(delegate::ping);
    }

    private <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> call) {
        CircuitBreaker.Permit permit = breaker.tryAcquire();
        if (permit == null) {
            String when = breaker.state() == CircuitBreaker.State.HALF_OPEN ? "a probe is in flight"
                    : "next probe in " + (breaker.remainingOpenMicros() + 999) / 1_000 + " ms";
            return CompletableFuture.failedFuture(new CircuitOpenException("circuit open for " + delegate.describe()
                    + "; " + when));
        }
        CompletionStage<T> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            record(permit, e);
            return CompletableFuture.failedFuture(e);
        }
        return stage.whenComplete((result, error) -> record(permit, error));
    }

    private void record(CircuitBreaker.Permit permit, Throwable error) {
        if (error == null) {
            breaker.onSuccess(permit);
            return;
        }
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof StoreException) {
            breaker.onFailure(permit);
        } else {
            breaker.onIgnored(permit);
        }
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public BucketStore delegate() {
        return delegate;
    }

    @Override
    public String describe() {
        return delegate.describe() + " [circuit " + breaker.state() + "]";
    }

    @Override
    public boolean distributed() {
        return delegate.distributed();
    }

    /** Leaves the wrapped store open: whoever made it closes it. */
    @Override
    public void close() {
    }
}
