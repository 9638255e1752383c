package io.tollgate.core.examples;

import io.tollgate.core.limiter.Estimate;
import io.tollgate.core.limiter.Permit;
import io.tollgate.core.limiter.RuleLimiter;
import io.tollgate.core.limiter.Tollgate;
import io.tollgate.core.rules.RuleSetParser;
import io.tollgate.core.store.InMemoryBucketStore;
import java.time.Duration;

/** The README's "Beyond HTTP" example, compiled and run by {@code ReadmeExamplesTest}. */
public final class OutboundThrottlingExample {

    private OutboundThrottlingExample() {
    }

    public static String run() throws InterruptedException {
        StringBuilder log = new StringBuilder();
        // README-BEGIN
        // every instance together may call the partner API 100 times a second (a burst of 10)
        String rules = "{\"partner-api\": {\"capacity\": 10, \"refill_rate\": 100}}";
        try (Tollgate tollgate = Tollgate.builder()
                .store(new InMemoryBucketStore())        // a RedisBucketStore shares the limit between instances
                .rules(RuleSetParser.parse(rules, "rules.json"))
                .build()) {
            RuleLimiter partner = tollgate.limiter("partner-api");

            // wait up to 2 s for a slot instead of failing: a reservation, not a retry loop
            for (int i = 0; i < 20; i++) {
                Permit p = partner.acquireBlocking("all", 1, Duration.ofSeconds(2));
                log.append(p.waited().isZero() ? "now " : "waited ");
            }

            // or never wait: take a token now or be told when to come back
            Permit p = partner.tryAcquire("all").toCompletableFuture().join();
            if (!p.granted()) {
                log.append("retry in ").append(p.retryAfter().toMillis()).append(" ms ");
            }

            // a dry run for UI hints: takes nothing
            Estimate e = partner.estimate("all", 5).toCompletableFuture().join();
            log.append(e.allowedNow() ? "5 would pass" : "5 would pass in " + e.waitTime().toMillis() + " ms");

            try {
                partner.acquireBlocking("all", 11, Duration.ofHours(1));   // more than the burst: never, so no wait
            } catch (IllegalArgumentException never) {
                log.append("; ").append(never.getMessage());
            }
        }
        // README-END
        return log.toString();
    }
}
