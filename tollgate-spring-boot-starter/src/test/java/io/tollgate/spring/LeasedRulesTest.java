package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.rules.RuleSetParser;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.ForwardingBucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configured limiter sends a rule's requests through the leases exactly when the rule has {@code lease} on. */
class LeasedRulesTest {

    private final RuleSet rules = RuleSetParser.parse("""
            {"everyone": {"match": {"paths": ["/expensive/**"]}, "key": "global", "capacity": 10000,
                          "refill_rate": 10000, "lease": true},
             "every": {"capacity": 5, "refill_rate": 1},
             "default": {"capacity": 20, "refill_rate": 5}}
            """, "rate_limits.json");

    /** An application's own shared store: counts the calls that reach it. */
    static final class SharedStore extends ForwardingBucketStore {
        final AtomicInteger calls = new AtomicInteger();

        SharedStore() {
            super(new InMemoryBucketStore());
        }

        @Override
        public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
            calls.incrementAndGet();
            return delegate.tryConsume(bucketKey, spec, cost);
        }

        @Override
        public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> requested) {
            calls.incrementAndGet();
            return delegate.tryConsumeAll(requested);
        }

        @Override
        public String describe() {
            return "shared";
        }

        @Override
        public boolean distributed() {
            return true;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSharedStore {
        @Bean
        SharedStore sharedStore() {
            return new SharedStore();
        }
    }

    private Rule rule(String name) {
        return rules.rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void onlyRequestsOfLeasedRulesUseLeases() {
        new ApplicationContextRunner().withConfiguration(TollgateAutoConfigs.ALL)
                .withUserConfiguration(OwnSharedStore.class).run(ctx -> {
                    SharedStore store = ctx.getBean(SharedStore.class);
                    StoreChain chain = ctx.getBean(StoreChain.class);
                    // an application's own shared store is wrapped like Redis
                    assertThat(chain.store()).isSameAs(store);
                    assertThat(chain.breaker()).isPresent();
                    assertThat(chain.denyCache()).isPresent();
                    LeasingBucketStore leases = chain.leases().orElseThrow();
                    RateLimiter limiter = ctx.getBean(RateLimiter.class);

                    for (int i = 0; i < 5; i++) {
                        assertThat(limiter.check(rule("everyone"), "global").toCompletableFuture().join().permitted())
                                .isTrue();
                    }
                    assertThat(leases.backingCalls()).isEqualTo(1); // one batch serves all five
                    assertThat(store.calls.get()).isEqualTo(1);

                    // a rule whose name is a prefix of the leased one is not leased, nor is any other
                    for (String name : new String[] {"every", "default"}) {
                        for (int i = 0; i < 3; i++) {
                            limiter.check(rule(name), "ip:10.0.0.1").toCompletableFuture().join();
                        }
                    }
                    assertThat(leases.backingCalls()).isEqualTo(1);
                    assertThat(store.calls.get()).isEqualTo(1 + 6);
                });
    }
}
