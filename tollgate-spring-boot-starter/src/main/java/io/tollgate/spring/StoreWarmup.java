package io.tollgate.spring;

import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.store.BucketStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Exercises a shared (Redis) store a few times before the application starts serving: auto-configured with the
 * Redis store, off with {@code tollgate.redis.warmup=false}.
 *
 * <p>Why: the store gives each call a small time budget (100 ms by default) and a cold JVM (class loading, the first
 * script load, JIT) blows it for the first few calls, so the first clients after a start would be let through by the
 * failure policy instead of being counted. Runs after all singletons exist and before the web server starts; uses a
 * private bucket key that no client key can collide with; never fails startup (a store that does not answer is the
 * starter's business, reported elsewhere).
 */
public class StoreWarmup implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(StoreWarmup.class);

    /** Calls made; enough for the hot path to be compiled past the interpreter. */
    static final int CALLS = 50;

    private final ObjectProvider<BucketStore> store;
    private final ObjectProvider<RuleSetSource> rules;

    public StoreWarmup(ObjectProvider<BucketStore> store, ObjectProvider<RuleSetSource> rules) {
        this.store = store;
        this.rules = rules;
    }

    @Override
    public void afterSingletonsInstantiated() {
        BucketStore s = store.getIfAvailable();
        RuleSetSource source = rules.getIfAvailable();
        if (s == null || source == null || !s.distributed()) {
            return; // the in-memory store has nothing to warm
        }
        List<Rule> all = source.current().rules();
        if (all.isEmpty()) {
            return;
        }
        Rule rule = all.get(0);
        long start = System.nanoTime();
        int ok = 0;
        for (int i = 0; i < CALLS; i++) {
            try {
                s.tryConsume("__tollgate_warmup__", rule.spec(), 1).toCompletableFuture().get(2, TimeUnit.SECONDS);
                ok++;
            } catch (Exception e) {
                if (ok == 0 && i >= 2) {
                    break; // not answering at all: do not hold up startup any longer
                }
            }
        }
        log.info("Warmed up {} with {} of {} calls in {} ms", s.describe(), ok, CALLS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
