package io.tollgate.spring.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import org.junit.jupiter.api.Test;

class TollgateMetricsTest {

    private static final Rule RULE = Rule.builder("api").spec(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND))).build();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TollgateMetrics metrics = new TollgateMetrics(registry, "redis");

    private double count(String outcome, String policy) {
        var c = registry.find(TollgateMetrics.DECISIONS).tags("rule", "api", "outcome", outcome, "policy", policy).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shedRequestsAreCountedWithoutAPolicy() {
        metrics.onVerdict(new Verdict(RULE, "k", Outcome.SHED, null, null, 0));
        metrics.onVerdict(new Verdict(RULE, "k", Outcome.SHED, null, null, 0));
        assertThat(count("shed", "none")).isEqualTo(2);
        assertThat(count("error", "fail-open")).isZero();
    }

    @Test
    void everyFailurePolicyHasItsOwnTag() {
        for (FailurePolicy p : FailurePolicy.values()) {
            metrics.onVerdict(new Verdict(RULE, "k", Outcome.ERROR, null, p, 0));
        }
        assertThat(count("error", "fail-open")).isEqualTo(1);
        assertThat(count("error", "fail-open-unbounded")).isEqualTo(1);
        assertThat(count("error", "fail-closed")).isEqualTo(1);
        assertThat(count("error", "local")).isEqualTo(1);
    }
}
