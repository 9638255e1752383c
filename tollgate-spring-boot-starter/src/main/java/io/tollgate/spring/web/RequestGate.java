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
 * The framework-neutral part of both web filters: which rule a request falls under (after exempt paths), the verdict
 * for it, and, for a rule that counts after the response, the tokens a counted response takes. The filters only
 * translate between their request/response types and this.
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

    /**
     * True when the rule's key reads the authenticated principal, so it is decided by the filter that runs after
     * authentication.
     */
    public boolean needsPrincipal(Rule rule) {
        return rule.keySource().needsPrincipal();
    }

    /**
     * Asks the limiter; never blocks, never completes exceptionally because of the store. A rule that counts after the
     * response is only checked ({@link RateLimiter#checkAvailable}); pass its verdict to {@link #responded}.
     */
    public CompletionStage<Verdict> check(Rule rule, RequestView request) {
        String clientKey = keys.clientKey(rule, request);
        return rule.countsAfterResponse() ? limiter.checkAvailable(rule, clientKey) : limiter.check(rule, clientKey);
    }

    /**
     * The response to a permitted request has this status: when its rule counts after the response and counts this
     * status, takes the rule's cost from the verdict's bucket. Returns at once, without waiting for the store, and
     * never throws: the limiter logs and counts a failure ({@link RateLimiter#afterResponseFailures()}).
     */
    public void responded(Verdict verdict, int status) {
        Rule rule = verdict.rule();
        if (rule.countsAfterResponse() && rule.countedResponses().counts(status)) {
            limiter.consumeAfterResponse(rule, verdict.clientKey());
        }
    }

    public List<RateLimitHeaders.Header> headers(Verdict verdict) {
        return headers.headers(verdict);
    }
}
