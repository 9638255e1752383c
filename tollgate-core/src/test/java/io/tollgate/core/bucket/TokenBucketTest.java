package io.tollgate.core.bucket;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final BucketSpec SEED = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));

    @Test
    void newBucketIsFullAndAllowsExactlyItsCapacity() {
        long[] levels = TokenBucket.full(SEED);
        int allowed = 0;
        for (int i = 0; i < 30; i++) {
            if (TokenBucket.tryConsume(SEED, levels, 0, 0, 1)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(20);
        assertThat(levels[0]).isZero();
    }

    @Test
    void refillIsContinuousAndCapped() {
        long[] levels = {0};
        // 5 tokens per second: 200 ms gives exactly one token.
        assertThat(TokenBucket.tryConsume(SEED, levels, 0, 199_999, 1)).isFalse();
        levels[0] = 0;
        assertThat(TokenBucket.tryConsume(SEED, levels, 0, 200_000, 1)).isTrue();
        assertThat(levels[0]).isZero();
        levels[0] = 0;
        TokenBucket.tryConsume(SEED, levels, 0, 3_600_000_000L, 1);
        assertThat(levels[0]).isEqualTo(SEED.capacityUnits(0) - SEED.unitsPerToken(0));
    }

    @Test
    void clockGoingBackwardsAddsNothing() {
        long[] levels = {0};
        assertThat(TokenBucket.tryConsume(SEED, levels, 1_000_000, 500_000, 1)).isFalse();
        assertThat(levels[0]).isZero();
    }

    @Test
    void deniedRequestTakesFromNoLimit() {
        BucketSpec spec = BucketSpec.of(Limit.of(10, 10, RefillPeriod.SECOND), Limit.of(2, 1, RefillPeriod.MINUTE));
        long[] levels = TokenBucket.full(spec);
        assertThat(TokenBucket.tryConsume(spec, levels, 0, 0, 2)).isTrue();
        long first = levels[0];
        assertThat(TokenBucket.tryConsume(spec, levels, 0, 0, 1)).isFalse();
        assertThat(levels[0]).isEqualTo(first);
        assertThat(levels[1]).isZero();
    }

    @Test
    void noDriftOverManySmallSteps() {
        BucketSpec spec = BucketSpec.of(Limit.of(5, new BigDecimal("3"), RefillPeriod.SECOND));
        long[] levels = {0};
        long last = 0;
        int allowed = 0;
        // Ask every 7 µs for 10 seconds, writing only when allowed (as the stores do): exactly 30 tokens are
        // produced (one every 333_333.3 µs) and none is lost to rounding.
        for (long now = 7; now <= 10_000_006; now += 7) { // the 30th token arrives at exactly 10 s
            long[] copy = levels.clone();
            if (TokenBucket.tryConsume(spec, copy, last, now, 1)) {
                allowed++;
                levels = copy;
                last = now;
            }
        }
        assertThat(allowed).isEqualTo(30);
    }

    @Test
    void decisionReportsRemainingRetryAndReset() {
        long[] levels = {SEED.unitsPerToken(0) / 2}; // half a token
        boolean allowed = TokenBucket.tryConsume(SEED, levels, 0, 0, 1);
        Decision d = Decision.of(SEED, 1, allowed, levels, 0);
        assertThat(d.allowed()).isFalse();
        assertThat(d.remaining()).isZero();
        assertThat(d.retryAfterMicros()).isEqualTo(100_000); // the other half token at 5/s
        assertThat(d.resetMicros()).isEqualTo(3_900_000);

        Decision never = Decision.costExceedsCapacity(SEED, 21, 0);
        assertThat(never.reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_CAPACITY);
        assertThat(never.retryAfterMicros()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void tightestLimitIsTheOneWithFewestTokens() {
        BucketSpec spec = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND), Limit.of(3, 1, RefillPeriod.HOUR));
        long[] levels = TokenBucket.full(spec);
        assertThat(TokenBucket.tryConsume(spec, levels, 0, 0, 1)).isTrue();
        Decision d = Decision.of(spec, 1, true, levels, 0);
        assertThat(d.tightestLimit()).isEqualTo(1);
        assertThat(d.remaining()).isEqualTo(2);
        assertThat(d.remaining(0)).isEqualTo(19);
    }
}
