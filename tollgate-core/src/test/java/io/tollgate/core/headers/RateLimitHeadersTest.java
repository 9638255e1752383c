package io.tollgate.core.headers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    private static final BucketSpec DEFAULT_SPEC = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
    private static final Rule DEFAULT = Rule.builder("default").spec(DEFAULT_SPEC).build();

    private static Map<String, String> map(RateLimitHeaders h, Verdict v) {
        Map<String, String> m = new LinkedHashMap<>();
        h.headers(v).forEach(x -> m.put(x.name(), x.value()));
        return m;
    }

    private static long units(int tokens) {
        return tokens * DEFAULT_SPEC.unitsPerToken(0);
    }

    @Test
    void allowedRequestAfterOneToken() {
        Decision d = Decision.of(DEFAULT_SPEC, 1, true, new long[] {units(19)}, 0);
        Map<String, String> m = map(new RateLimitHeaders(), new Verdict(DEFAULT, "ip:1.2.3.4", Outcome.ALLOWED, d, null, 0));
        assertThat(m).containsEntry("RateLimit-Policy", "\"default\";q=20;w=4")
                .containsEntry("RateLimit", "\"default\";r=19;t=1")
                .containsEntry("X-RateLimit-Limit", "20")
                .containsEntry("X-RateLimit-Remaining", "19")
                .containsEntry("X-RateLimit-Reset", "1")
                .doesNotContainKeys("Retry-After", "X-RateLimit-Degraded");
    }

    @Test
    void deniedRequestGetsRetryAfterAndTheSameT() {
        Decision d = Decision.of(DEFAULT_SPEC, 1, false, new long[] {0}, 0);
        Map<String, String> m = map(new RateLimitHeaders(), new Verdict(DEFAULT, "k", Outcome.DENIED, d, null, 0));
        // t is Retry-After (one token in 0.2 s), not the 4 s until full; X-RateLimit-Reset keeps "until full"
        assertThat(m).containsEntry("RateLimit", "\"default\";r=0;t=1").containsEntry("Retry-After", "1")
                .containsEntry("X-RateLimit-Reset", "4");
    }

    @Test
    void aDenialReportsTheBindingLimitEvenWhenItIsNotTheFirstNorTheTightest() {
        // 10 @ 10/s holds 1 token, 100 @ 1/s holds 2: the second has more left but needs 3 s for a cost of 5
        BucketSpec spec = BucketSpec.of(Limit.of(10, 10, RefillPeriod.SECOND), Limit.of(100, 1, RefillPeriod.SECOND));
        Rule api = Rule.builder("api").spec(spec).cost(5).build();
        long[] levels = {spec.unitsPerToken(0), 2 * spec.unitsPerToken(1)};
        Decision d = Decision.of(spec, 5, false, levels, 0);
        Verdict v = new Verdict(api, "k", Outcome.DENIED, d, null, 0);
        Map<String, String> m = map(new RateLimitHeaders(), v);
        assertThat(m).containsEntry("Retry-After", "3").containsEntry("RateLimit", "\"api-2\";r=2;t=3")
                .containsEntry("X-RateLimit-Limit", "100").containsEntry("X-RateLimit-Remaining", "2")
                .containsEntry("X-RateLimit-Reset", "98");
        assertThat(ReportedLimits.violatedPolicies(v)).containsExactly("api", "api-2");
    }

    @Test
    void aDenialByTheSecondLimitAloneNamesOnlyIt() {
        BucketSpec spec = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND), Limit.of(1000, 1000, RefillPeriod.HOUR));
        Rule api = Rule.builder("api").spec(spec).build();
        Decision d = Decision.of(spec, 1, false, new long[] {units(15), 0}, 0);
        Verdict v = new Verdict(api, "k", Outcome.DENIED, d, null, 0);
        // one token of 1000/hour takes 3.6 s: t and Retry-After say 4, not the hour until full
        assertThat(map(new RateLimitHeaders(), v)).containsEntry("RateLimit", "\"api-2\";r=0;t=4")
                .containsEntry("Retry-After", "4");
        assertThat(ReportedLimits.violatedPolicies(v)).containsExactly("api-2");
    }

    @Test
    void equalWaitsGoToTheFirstLimit() {
        BucketSpec spec = BucketSpec.of(Limit.of(5, 1, RefillPeriod.SECOND), Limit.of(10, 1, RefillPeriod.SECOND));
        Decision d = Decision.of(spec, 1, false, new long[] {0, 0}, 0);
        Verdict v = new Verdict(Rule.builder("api").spec(spec).build(), "k", Outcome.DENIED, d, null, 0);
        assertThat(map(new RateLimitHeaders(true, false), v)).containsEntry("RateLimit", "\"api\";r=0;t=1");
    }

    @Test
    void aShadowDenialReportsLikeAnAllowedRequest() {
        BucketSpec spec = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND), Limit.of(2, 6, RefillPeriod.MINUTE));
        Rule shadow = Rule.builder("s").spec(spec).build();
        Decision d = Decision.of(spec, 1, false, new long[] {0, 0}, 0);
        Map<String, String> m = map(new RateLimitHeaders(), new Verdict(shadow, "k", Outcome.SHADOW_DENIED, d, null, 0));
        assertThat(m).containsEntry("RateLimit", "\"s\";r=0;t=4").doesNotContainKey("Retry-After");
    }

    @Test
    void multiLimitRuleListsEveryLimitAndReportsTheTightest() {
        BucketSpec spec = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND), Limit.of(1000, 1000, RefillPeriod.HOUR));
        Rule api = Rule.builder("api").spec(spec).build();
        long[] levels = {units(15), 3 * spec.unitsPerToken(1)};
        Decision d = Decision.of(spec, 1, true, levels, 0);
        Map<String, String> m = map(new RateLimitHeaders(true, false), new Verdict(api, "k", Outcome.ALLOWED, d, null, 0));
        assertThat(m.get("RateLimit-Policy")).isEqualTo("\"api\";q=20;w=4, \"api-2\";q=1000;w=3600");
        assertThat(m.get("RateLimit")).startsWith("\"api-2\";r=3;t=");
        assertThat(m).doesNotContainKey("X-RateLimit-Limit");
    }

    @Test
    void legacyOnlyAndDegraded() {
        Map<String, String> m = map(new RateLimitHeaders(false, true),
                new Verdict(DEFAULT, "k", Outcome.ERROR, null, FailurePolicy.FAIL_OPEN, 0));
        assertThat(m).containsOnlyKeys("X-RateLimit-Degraded").containsEntry("X-RateLimit-Degraded", "fail-open");
        Map<String, String> closed = map(new RateLimitHeaders(),
                new Verdict(DEFAULT, "k", Outcome.ERROR, null, FailurePolicy.FAIL_CLOSED, 0));
        assertThat(closed).containsEntry("Retry-After", "1").containsEntry("X-RateLimit-Degraded", "fail-closed");
    }

    @Test
    void absurdRetryAfterIsCapped() {
        Decision d = Decision.costExceedsCapacity(DEFAULT_SPEC, 50, 0);
        Map<String, String> m = map(new RateLimitHeaders(), new Verdict(DEFAULT, "k", Outcome.DENIED, d, null, 0));
        assertThat(m).containsEntry("Retry-After", Long.toString(RateLimitHeaders.MAX_RETRY_AFTER_SECONDS))
                .containsEntry("RateLimit", "\"default\";r=20;t=" + RateLimitHeaders.MAX_RETRY_AFTER_SECONDS);
    }

    @Test
    void aCostAboveOneCapacityViolatesThatLimitOnly() {
        BucketSpec spec = BucketSpec.of(Limit.of(100, 5, RefillPeriod.SECOND), Limit.of(10, 1, RefillPeriod.SECOND));
        Rule api = Rule.builder("api").spec(spec).build();
        Verdict v = new Verdict(api, "k", Outcome.DENIED, Decision.costExceedsCapacity(spec, 50, 0), null, 0);
        assertThat(ReportedLimits.violatedPolicies(v)).containsExactly("api-2");
        assertThat(map(new RateLimitHeaders(true, false), v)).containsEntry("RateLimit", "\"api-2\";r=10;t=86400");
    }

    @Test
    void noDecisionMeansNoViolatedPolicies() {
        assertThat(ReportedLimits.violatedPolicies(new Verdict(DEFAULT, "k", Outcome.SHED, null, null, 0))).isEmpty();
        assertThat(ReportedLimits.violatedPolicies(
                new Verdict(DEFAULT, "k", Outcome.ERROR, null, FailurePolicy.FAIL_CLOSED, 0))).isEmpty();
    }

    @Test
    void aLocalDenialUnderBoundedFailOpenIsDegradedWithTheLocalFigures() {
        Decision d = Decision.of(DEFAULT_SPEC, 1, false, new long[] {units(0)}, 0);
        Verdict v = new Verdict(DEFAULT, "k", Outcome.ERROR, d, FailurePolicy.FAIL_OPEN, 0);
        assertThat(v.rejectionStatus()).isEqualTo(429);
        assertThat(map(new RateLimitHeaders(), v)).containsEntry("RateLimit", "\"default\";r=0;t=1")
                .containsEntry("X-RateLimit-Remaining", "0").containsEntry("Retry-After", "1")
                .containsEntry("X-RateLimit-Degraded", "fail-open");
    }

    @Test
    void aShedRequestGetsOnlyRetryAfter() {
        Verdict shed = new Verdict(DEFAULT, "k", Outcome.SHED, null, null, 0);
        assertThat(map(new RateLimitHeaders(), shed)).containsExactly(Map.entry("Retry-After", "1"));
    }

    @Test
    void itemNamesAreStructuredFieldStrings() {
        assertThat(RateLimitHeaders.policyItem("api", 20, 4)).isEqualTo("\"api\";q=20;w=4");
        assertThat(RateLimitHeaders.limitItem("api-2", 3, 42)).isEqualTo("\"api-2\";r=3;t=42");
        assertThat(RateLimitHeaders.limitItem("api", 0, -1)).isEqualTo("\"api\";r=0");
        // a quote and a backslash are escaped; what RFC 8941 strings cannot hold is sent as ?
        assertThat(RateLimitHeaders.policyItem("a\"b\\c\u00e9\n", 1, 2)).isEqualTo("\"a\\\"b\\\\c??\";q=1;w=2");
    }
}
