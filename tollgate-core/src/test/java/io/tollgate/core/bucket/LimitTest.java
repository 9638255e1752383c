package io.tollgate.core.bucket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class LimitTest {

    @Test
    void wholeRatePerSecondUsesSmallestExactUnits() {
        Limit l = Limit.of(20, 5, RefillPeriod.SECOND);
        // 5 tokens per 1e6 µs: one token = 200_000 units, one unit per µs.
        assertThat(l.unitsPerToken()).isEqualTo(200_000);
        assertThat(l.unitsPerMicro()).isEqualTo(1);
        assertThat(l.capacityUnits()).isEqualTo(4_000_000);
        assertThat(l.windowSeconds()).isEqualTo(4);
    }

    @Test
    void fractionalAndSlowRatesAreExact() {
        Limit perMinute = Limit.of(1, 1, RefillPeriod.MINUTE);
        assertThat(perMinute.unitsPerToken()).isEqualTo(60_000_000);
        assertThat(perMinute.unitsPerMicro()).isEqualTo(1);
        assertThat(perMinute.windowSeconds()).isEqualTo(60);

        Limit half = Limit.of(3, new BigDecimal("0.5"), RefillPeriod.SECOND);
        assertThat(half.unitsPerToken()).isEqualTo(2_000_000);
        assertThat(half.windowSeconds()).isEqualTo(6);

        Limit third = Limit.of(10, new BigDecimal("3"), RefillPeriod.SECOND);
        // 3 tokens per second: 1e6/3 µs per token is not whole, units make it exact.
        assertThat(third.unitsPerToken() * 3).isEqualTo(third.unitsPerMicro() * 1_000_000L);
    }

    @Test
    void rejectsNonPositiveValues() {
        assertThatThrownBy(() -> Limit.of(0, 5, RefillPeriod.SECOND)).hasMessageContaining("capacity");
        assertThatThrownBy(() -> Limit.of(5, BigDecimal.ZERO, RefillPeriod.SECOND)).hasMessageContaining("refill_rate");
        assertThatThrownBy(() -> Limit.of(5, new BigDecimal("-1"), RefillPeriod.SECOND)).hasMessageContaining("refill_rate");
    }

    @Test
    void rejectsLimitsThatCannotStayBelowTwoToThe53() {
        assertThatThrownBy(() -> Limit.of(9_007_199_254_740_993L, 1, RefillPeriod.DAY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2^53");
        assertThatThrownBy(() -> Limit.of(1000, new BigDecimal("0.1234567"), RefillPeriod.DAY))
                .hasMessageContaining("too large to compute exactly");
        // A big but sane limit is fine.
        assertThat(Limit.of(1_000_000, 10_000, RefillPeriod.DAY).capacityUnits()).isLessThan(Limit.EXACT_LIMIT);
    }

    @Test
    void equalityIgnoresTrailingZeros() {
        assertThat(Limit.of(5, new BigDecimal("2.50"), RefillPeriod.SECOND))
                .isEqualTo(Limit.of(5, new BigDecimal("2.5"), RefillPeriod.SECOND))
                .hasSameHashCodeAs(Limit.of(5, new BigDecimal("2.5"), RefillPeriod.SECOND));
    }
}
