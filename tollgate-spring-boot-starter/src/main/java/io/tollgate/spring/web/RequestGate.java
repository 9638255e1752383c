package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.identity.ClientKeyResolver;
import io.tollgate.core.identity.RequestView;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The framework-neutral part of both web filters: which rule a request falls under (after exempt paths), and the
 * verdict for it. The filters only translate between their request/response types and this.
 */
public final class RequestGate {

    private final RuleSetSource rules;
    private final List<PathPattern> exemptPaths;
    private final ClientKeyResolver keys;
    private final RateLimiter limiter;
    private final RateLimitHeaders headers;

    public RequestGate(RuleSetSource rules, List<PathPattern> exemptPaths, ClientKeyResolver keys, RateLimiter limiter,
                       RateLimitHeaders headers) {
        this.rules = rules;
        this.exemptPaths = List.copyOf(exemptPaths);
        this.keys = keys;
        this.limiter = limiter;
        this.headers = headers;
    }

    /**
     * The rule for a request, or {@code null} when it is exempt or no rule applies.
     *
     * @param normalisedPath a path from {@link RequestPaths#normalise}
     */
    public Rule ruleFor(String method, String normalisedPath) {
        for (PathPattern p : exemptPaths) {
            if (p.matches(normalisedPath)) {
                return null;
            }
        }
        return rules.current().find(method, normalisedPath);
    }

    /** Asks the limiter; never blocks, never completes exceptionally because of the store. */
    public CompletionStage<Verdict> check(Rule rule, RequestView request) {
        return limiter.check(rule, keys.clientKey(rule, request));
    }

    public List<RateLimitHeaders.Header> headers(Verdict verdict) {
        return headers.headers(verdict);
    }
}
