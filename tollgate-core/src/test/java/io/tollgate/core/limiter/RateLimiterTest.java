package io.tollgate.core.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.FailurePolicy;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleMode;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.core.store.StoreTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final BucketSpec SEED = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));

    /** A store that is down: every call times out. */
    private static final class DownStore implements BucketStore {
        int calls;

        @Override
        public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
            calls++;
            return CompletableFuture.failedFuture(new StoreTimeoutException("redis did not answer within 100 ms", null));
        }

        @Override
        public CompletionStage<Void> ping() {
            return CompletableFuture.failedFuture(new StoreTimeoutException("down", null));
        }

        @Override
        public String describe() {
            return "down";
        }

        @Override
        public boolean distributed() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static Verdict check(RateLimiter limiter, Rule rule) {
        return limiter.check(rule, "ip:10.0.0.1").toCompletableFuture().join();
    }

    @Test
    void enforcingRuleDeniesAndShadowRuleReports() {
        List<Verdict> seen = new ArrayList<>();
        RateLimiter limiter = new RateLimiter(new InMemoryBucketStore(), FailurePolicy.FAIL_OPEN, 1, seen::add,
                Duration.ofSeconds(10));
        Rule enforce = Rule.builder("default").spec(SEED).build();
        Rule shadow = Rule.builder("shadowed").spec(SEED).mode(RuleMode.SHADOW).build();
        for (int i = 0; i < 20; i++) {
            assertThat(check(limiter, enforce).outcome()).isEqualTo(Outcome.ALLOWED);
            check(limiter, shadow);
        }
        Verdict denied = check(limiter, enforce);
        assertThat(denied.outcome()).isEqualTo(Outcome.DENIED);
        assertThat(denied.permitted()).isFalse();
        assertThat(denied.rejectionStatus()).isEqualTo(429);
        assertThat(denied.retryAfterSeconds()).isEqualTo(1);

        Verdict shadowDenied = check(limiter, shadow);
        assertThat(shadowDenied.outcome()).isEqualTo(Outcome.SHADOW_DENIED);
        assertThat(shadowDenied.permitted()).isTrue();
        assertThat(seen).hasSize(42);
    }

    @Test
    void failOpenAllowsAndFlags() {
        RateLimiter limiter = new RateLimiter(new DownStore());
        Verdict v = check(limiter, Rule.builder("default").spec(SEED).build());
        assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(v.policyApplied()).isEqualTo(FailurePolicy.FAIL_OPEN);
        assertThat(v.permitted()).isTrue();
        assertThat(v.degraded()).isTrue();
    }

    @Test
    void failClosedRejectsWith503() {
        RateLimiter limiter = new RateLimiter(new DownStore());
        Verdict v = check(limiter, Rule.builder("default").spec(SEED).failurePolicy(FailurePolicy.FAIL_CLOSED).build());
        assertThat(v.permitted()).isFalse();
        assertThat(v.rejectionStatus()).isEqualTo(503);
        assertThat(v.retryAfterSeconds()).isEqualTo(Verdict.FAIL_CLOSED_RETRY_SECONDS);
    }

    @Test
    void localPolicyScalesByExpectedInstances() {
        RateLimiter limiter = new RateLimiter(new DownStore(), FailurePolicy.LOCAL, 4, null, Duration.ofSeconds(10));
        Rule rule = Rule.builder("default").spec(SEED).build();
        int permitted = 0;
        for (int i = 0; i < 30; i++) {
            Verdict v = check(limiter, rule);
            assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(v.policyApplied()).isEqualTo(FailurePolicy.LOCAL);
            permitted += v.permitted() ? 1 : 0;
        }
        // 20 / 4 instances = 5 per instance, so four instances together stay near the real limit.
        assertThat(permitted).isEqualTo(5);
        assertThat(limiter.localSpec(rule).limit(0).tokensPerSecond()).isEqualTo(1.25);
    }

    @Test
    void ruleOverridesDefaultPolicy() {
        RateLimiter limiter = new RateLimiter(new DownStore(), FailurePolicy.FAIL_CLOSED, 1, null, Duration.ofSeconds(10));
        Verdict v = check(limiter, Rule.builder("open").spec(SEED).failurePolicy(FailurePolicy.FAIL_OPEN).build());
        assertThat(v.permitted()).isTrue();
        assertThat(check(limiter, Rule.builder("default").spec(SEED).build()).permitted()).isFalse();
    }
}
