package io.tollgate.spring.observe;

import io.tollgate.core.resilience.CircuitBreakingBucketStore;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreOverloadedException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the rate-limit store, contributed as {@code tollgate}: UP with the store's description when a ping
 * answers within the timeout, DOWN otherwise. The description never holds a password ({@link BucketStore#describe()}).
 */
public final class TollgateHealthIndicator implements HealthIndicator {

    private final BucketStore store;
    private final Duration timeout;

    public TollgateHealthIndicator(BucketStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        Health.Builder b;
        try {
            store.ping().toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            b = Health.up();
        } catch (TimeoutException e) {
            b = Health.down().withDetail("error", "no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // Redis answered other calls meanwhile: the store is up, this process (or Redis) is just queueing.
            b = cause instanceof StoreOverloadedException
                    ? Health.up().withDetail("overloaded", cause.getMessage())
                    : Health.down().withDetail("error", cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            b = Health.down().withDetail("error", "interrupted");
        }
        CircuitBreakingBucketStore breaker = StoreChain.find(store, CircuitBreakingBucketStore.class);
        if (breaker != null) {
            b.withDetail("circuit", breaker.breaker().state().name().toLowerCase(java.util.Locale.ROOT));
        }
        return b.withDetail("store", store.describe()).withDetail("distributed", store.distributed()).build();
    }
}
