package io.tollgate.spring.examples;

import io.tollgate.spring.annotation.RateLimited;
import reactor.core.publisher.Mono;

/** The README's {@code @RateLimited} example, run by {@code PartnerClientTest}. */
// README-BEGIN
public class PartnerClient {

    // waits up to 2 s for a slot of the shared "partner-api" limit, per customer
    @RateLimited(rule = "partner-api", key = "#customerId", maxWait = "2s")
    public String fetch(String customerId) {
        return "data for " + customerId;
    }

    // no waiting: over the limit, the Mono fails with RateLimitExceededException (never blocks);
    // e.retryAfter() says when to come back. Call it through the bean, not from inside the class.
    @RateLimited(rule = "partner-api", key = "#customerId", cost = "#pages")
    public Mono<String> fetchPages(String customerId, int pages) {
        return Mono.just(pages + " pages for " + customerId);
    }
}
// README-END
