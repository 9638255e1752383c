package io.tollgate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.Verdict;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestPathsAndProblemBodyTest {

    @Test
    void pathsAreNormalised() {
        assertThat(RequestPaths.normalise("/health/../special_path")).isEqualTo("/special_path");
        assertThat(RequestPaths.normalise("//a///b/")).isEqualTo("/a/b");
        assertThat(RequestPaths.normalise("/a/./b/../c")).isEqualTo("/a/c");
        assertThat(RequestPaths.normalise("/../../etc")).isEqualTo("/etc");
        assertThat(RequestPaths.normalise("/health\\..\\api")).isEqualTo("/api");
        assertThat(RequestPaths.normalise("/health;x=1/../api;jsessionid=2")).isEqualTo("/api");
        assertThat(RequestPaths.normalise("")).isEqualTo("/");
        assertThat(RequestPaths.normalise("/")).isEqualTo("/");
    }

    @Test
    void failClosedProblemBody() {
        Rule rule = Rule.builder("api").spec(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND))).build();
        Verdict v = new Verdict(rule, "k", Outcome.ERROR, null, FailurePolicy.FAIL_CLOSED, 0);
        String body = new String(ProblemBody.json(v), StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#temporary-reduced-capacity\","
                + "\"title\":\"Temporary Reduced Capacity\",\"status\":503,"
                + "\"detail\":\"The rate limiter cannot decide right now; retry in 1 s\","
                + "\"rule\":\"api\",\"retry_after\":1}");
    }

    @Test
    void shedProblemBody() {
        Rule rule = Rule.builder("api").spec(BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND))).build();
        Verdict v = new Verdict(rule, "k", Outcome.SHED, null, null, 0);
        String body = new String(ProblemBody.json(v), StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#temporary-reduced-capacity\","
                + "\"title\":\"Temporary Reduced Capacity\",\"status\":503,"
                + "\"detail\":\"The rate limiter is overloaded; retry in 1 s\","
                + "\"rule\":\"api\",\"retry_after\":1}");
    }

    @Test
    void aLocalDenialUnderFailOpenIsAnOrdinary429Body() {
        BucketSpec spec = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
        Rule rule = Rule.builder("api").spec(spec).build();
        Decision d = Decision.of(spec, 1, false, new long[] {0}, 0);
        Verdict v = new Verdict(rule, "k", Outcome.ERROR, d, FailurePolicy.FAIL_OPEN, 0);
        assertThat(new String(ProblemBody.json(v), StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Quota Exceeded\","
                        + "\"status\":429,\"detail\":\"Rate limit of rule \\\"api\\\" exceeded; retry in 1 s\","
                        + "\"violated-policies\":[\"api\"],\"rule\":\"api\",\"retry_after\":1}");
    }

    @Test
    void violatedPoliciesNameEveryLimitThatLackedTokens() {
        BucketSpec spec = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND), Limit.of(100, 1, RefillPeriod.MINUTE),
                Limit.of(1000, 1000, RefillPeriod.DAY));
        Rule rule = Rule.builder("api").spec(spec).build();
        long[] levels = {0, 5 * spec.unitsPerToken(1), 0};
        Verdict v = new Verdict(rule, "k", Outcome.DENIED, Decision.of(spec, 1, false, levels, 0), null, 0);
        assertThat(new String(ProblemBody.json(v), StandardCharsets.UTF_8))
                .contains("\"violated-policies\":[\"api\",\"api-3\"],\"rule\":\"api\",\"retry_after\":87}");
    }
}
