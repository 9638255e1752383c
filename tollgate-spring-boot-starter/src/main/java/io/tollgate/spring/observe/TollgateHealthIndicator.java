package io.tollgate.spring.observe;

import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.StoreOverloadedException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the rate-limit store, contributed as {@code tollgate}: UP with the store's description when a ping
 * answers within the timeout, DOWN otherwise. The description never holds a password ({@link BucketStore#describe()}).
 * The ping goes through the chain's circuit breaker (so it can be the breaker's probe), whose state is a detail.
 */
public final class TollgateHealthIndicator implements HealthIndicator {

    private final StoreChain chain;
    private final Duration timeout;

    public TollgateHealthIndicator(StoreChain chain, Duration timeout) {
        this.chain = chain;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        Health.Builder b = ping();
        chain.breaker().ifPresent(cb -> b.withDetail("circuit", cb.state().name().toLowerCase(Locale.ROOT)));
        return b.withDetail("store", chain.describe()).withDetail("distributed", chain.distributed()).build();
    }

    /** UP or DOWN from one ping, with the reason when not plainly UP. */
    private Health.Builder ping() {
        try {
            chain.ping().toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return Health.up();
        } catch (TimeoutException e) {
            return Health.down().withDetail("error", "no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // Redis answered other calls meanwhile: the store is up, this process (or Redis) is just queueing.
            return cause instanceof StoreOverloadedException
                    ? Health.up().withDetail("overloaded", cause.getMessage())
                    : Health.down().withDetail("error", cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().withDetail("error", "interrupted");
        }
    }
}
