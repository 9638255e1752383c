package io.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The report names each rule from the spec the phase runs, so a changed rule cannot keep a stale label. */
class RedisBenchTest {

    @Test
    void rulesAreNamedFromTheirSpec() {
        assertThat(RedisBench.describe(RedisBench.ALLOWED)).isEqualTo("100 burst @ 100/s");
        assertThat(RedisBench.describe(RedisBench.RULE)).isEqualTo("20 burst @ 5/s");
        assertThat(RedisBench.describe(BucketSpec.of(Limit.of(10, new BigDecimal("0.50"), RefillPeriod.SECOND),
                Limit.of(1000, 1000, RefillPeriod.HOUR)))).isEqualTo("10 burst @ 0.5/s + 1000 burst @ 1000/hour");
    }
}
