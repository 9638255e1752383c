package io.tollgate.core.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.resilience.CircuitBreaker;
import io.tollgate.core.resilience.CircuitBreakingBucketStore;
import io.tollgate.core.resilience.CircuitOpenException;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.store.CountingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.ManualClock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StoreChainTest {

    /** Capacity 1000: leases hold at most 50 tokens, and fetch 10 at first. */
    private static final BucketSpec HOT = BucketSpec.of(Limit.of(1000, 100, RefillPeriod.SECOND));

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final CountingBucketStore store = new CountingBucketStore(new InMemoryBucketStore(clock, 1_000));
    private final CircuitBreaker breaker = new CircuitBreaker("test", 2, Duration.ofSeconds(2), clock, null);

    @Test
    void buildsTheDocumentedOrderWhateverTheCallOrderAndExposesEachLayer() {
        // asked for outermost first, the reverse of how they wrap
        StoreChain chain = StoreChain.around(store).clock(clock).leases(Duration.ofSeconds(1)).denyCache(100)
                .breaker(breaker).build();

        LeasingBucketStore leases = chain.leases().orElseThrow();
        DenyCachingBucketStore cache = chain.denyCache().orElseThrow();
        assertThat(chain.breaker()).containsSame(breaker);
        // leases -> deny cache -> breaker -> store
        assertThat(leases.backing()).isSameAs(cache);
        assertThat(cache.delegate()).isInstanceOf(CircuitBreakingBucketStore.class);
        CircuitBreakingBucketStore breakerLayer = (CircuitBreakingBucketStore) cache.delegate();
        assertThat(breakerLayer.breaker()).isSameAs(breaker);
        assertThat(breakerLayer.delegate()).isSameAs(store);
        assertThat(chain.store()).isSameAs(store);
        // leased requests enter at the leases, the others below them
        assertThat(chain.leased()).isSameAs(leases);
        assertThat(chain.unleased()).isSameAs(cache);
        assertThat(chain.describe()).contains("[circuit CLOSED]", "[deny cache 0/100]", "with token leases");
    }

    @Test
    void withoutLayersEveryEntryIsTheStore() {
        StoreChain chain = StoreChain.around(store).build();
        assertThat(chain.breaker()).isEmpty();
        assertThat(chain.denyCache()).isEmpty();
        assertThat(chain.leases()).isEmpty();
        assertThat(chain.leased()).isSameAs(store);
        assertThat(chain.unleased()).isSameAs(store);
    }

    @Test
    void leasesSitOnTheStoreWhenTheOtherLayersAreOff() {
        StoreChain chain = StoreChain.around(store).clock(clock).leases().build();
        assertThat(chain.leases().orElseThrow().backing()).isSameAs(store);
        assertThat(chain.unleased()).isSameAs(store);
    }

    @Test
    void aLeasedRuleGoesThroughTheLeasesAndAnUnleasedRuleDoesNot() {
        StoreChain chain = StoreChain.around(store).clock(clock).leases(Duration.ofSeconds(1)).denyCache(100).build();
        LeasingBucketStore leases = chain.leases().orElseThrow();
        RateLimiter limiter = new RateLimiter(chain);
        Rule leased = Rule.builder("everyone").spec(HOT).lease(true).build();
        Rule unleased = Rule.builder("per-client").spec(HOT).build();

        for (int i = 0; i < 5; i++) {
            assertThat(limiter.check(leased, "global").toCompletableFuture().join().permitted()).isTrue();
        }
        // one batch of 10 fetched through the leases serves all five
        assertThat(store.calls.get()).isEqualTo(1);
        assertThat(leases.backingCalls()).isEqualTo(1);

        for (int i = 0; i < 5; i++) {
            assertThat(limiter.check(unleased, "ip:10.0.0.1").toCompletableFuture().join().permitted()).isTrue();
        }
        // moved from LeasingBucketStoreTest.keysNotLeasedPassThrough: every unleased request reaches the store,
        // none of them past the leases
        assertThat(store.calls.get()).isEqualTo(1 + 5);
        assertThat(store.granted.get()).isEqualTo(10 + 5);
        assertThat(leases.backingCalls()).isEqualTo(1);
    }

    @Test
    void aPingGoesThroughTheBreaker() {
        StoreChain chain = StoreChain.around(store).breaker(breaker).denyCache(100).leases().build();
        store.down = true;
        for (int i = 0; i < 2; i++) {
            chain.tryConsume("k", HOT, 1, false).toCompletableFuture().exceptionally(e -> null).join();
        }
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(chain.ping().toCompletableFuture()).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(CircuitOpenException.class);
    }

    @Test
    void closingDropsTheLayersStateButLeavesTheStoreOpen() {
        boolean[] closed = {false};
        CountingBucketStore own = new CountingBucketStore(new InMemoryBucketStore(clock, 1_000)) {
            @Override
            public void close() {
                closed[0] = true;
                super.close();
            }
        };
        StoreChain chain = StoreChain.around(own).clock(clock).breaker(breaker).denyCache(100).leases().build();
        chain.tryConsume("global", HOT, 1, true).toCompletableFuture().join();
        assertThat(own.calls.get()).isEqualTo(1);

        chain.close();

        assertThat(closed[0]).isFalse();
        // the leased tokens are gone: the next leased request fetches again
        chain.tryConsume("global", HOT, 1, true).toCompletableFuture().join();
        assertThat(own.calls.get()).isEqualTo(2);
    }
}
