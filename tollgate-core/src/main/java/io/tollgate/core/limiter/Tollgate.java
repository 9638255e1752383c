package io.tollgate.core.limiter;

import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.core.store.BucketStore;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The programmatic entry point: rate limits for code that is not an HTTP request, on the same rules (rules file or
 * properties), the same store chain and the same failure policy as the web filters.
 *
 * <pre>{@code
 * Tollgate tollgate = Tollgate.builder()
 *         .store(new InMemoryBucketStore())            // or a RedisBucketStore, or .limiter(an existing RateLimiter)
 *         .rules(new RulesFileWatcher(Path.of("rate_limits.json")))
 *         .build();
 * RuleLimiter stripe = tollgate.limiter("stripe-api");
 * Permit p = stripe.acquireBlocking("all", 1, Duration.ofSeconds(2));   // wait up to 2 s for a slot
 * }</pre>
 * In a Spring Boot application the starter provides a {@code Tollgate} bean wired to the application's store and
 * rules. Closing it stops the timer of waiting acquisitions (their stages fail); it closes neither the store nor the
 * rules source, which belong to whoever made them.
 */
public final class Tollgate implements AutoCloseable {

    private final RateLimiter engine;
    private final RuleSetSource rules;
    private final WakeQueue wakeQueue = new WakeQueue();

    private Tollgate(RateLimiter engine, RuleSetSource rules) {
        this.engine = engine;
        this.rules = rules;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The limiter of the rule named {@code ruleName}.
     *
     * @throws IllegalArgumentException naming the rule and the rules there are, when no rule has that name
     */
    public RuleLimiter limiter(String ruleName) {
        rule(ruleName);
        return new RuleLimiter(this, ruleName);
    }

    /** Whether a rule of that name is in force. */
    public boolean hasRule(String ruleName) {
        return rules.current().rule(ruleName).isPresent();
    }

    Rule rule(String name) {
        RuleSet set = rules.current();
        return set.rule(name).orElseThrow(() -> new IllegalArgumentException("no rate-limit rule named \"" + name
                + "\"; the rules are " + set.rules().stream().map(r -> '"' + r.name() + '"')
                .collect(Collectors.joining(", "))));
    }

    RateLimiter engine() {
        return engine;
    }

    WakeQueue wakeQueue() {
        return wakeQueue;
    }

    @Override
    public void close() {
        wakeQueue.close();
    }

    /** One validating builder: a rules source, and either a store or a ready limiter. */
    public static final class Builder {
        private RateLimiter limiter;
        private BucketStore store;
        private RuleSetSource rules;

        private Builder() {
        }

        /** Decide with this limiter (its store chain, failure policy and listeners), as the web filters do. */
        public Builder limiter(RateLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter, "limiter");
            return this;
        }

        /** Decide on this store, without layers, {@code fail-open}. */
        public Builder store(BucketStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        public Builder rules(RuleSetSource rules) {
            this.rules = Objects.requireNonNull(rules, "rules");
            return this;
        }

        public Builder rules(RuleSet rules) {
            return rules(RuleSetSource.of(Objects.requireNonNull(rules, "rules")));
        }

        /** @throws IllegalStateException when the rules, or both or neither of store and limiter, are missing */
        public Tollgate build() {
            if (rules == null) {
                throw new IllegalStateException("Tollgate needs rules: call rules(...)");
            }
            if ((limiter == null) == (store == null)) {
                throw new IllegalStateException("Tollgate needs exactly one of store(...) and limiter(...)");
            }
            return new Tollgate(limiter != null ? limiter : new RateLimiter(store), rules);
        }
    }
}
