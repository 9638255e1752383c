package io.tollgate.envoy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** requests_per_unit per unit as a token bucket, and the Tollgate extension. */
class TokenBucketMappingTest {

    private static RateLimitRule only(String rateLimit) {
        EnvoyDomain d = EnvoyConfigParser.parse("t.yaml",
                "domain: d\ndescriptors:\n  - key: k\n    rate_limit: " + rateLimit + "\n");
        return d.root().children().get("k").rule();
    }

    private static EnvoyConfigException reject(String rateLimit) {
        return catchThrowableOfType(EnvoyConfigException.class, () -> only(rateLimit));
    }

    @ParameterizedTest
    @CsvSource({"second,1", "minute,60", "hour,3600", "day,86400", "week,604800", "month,2592000", "year,31536000"})
    void capacityIsRequestsPerUnitRefilledContinuouslyPerUnit(String unit, long seconds) {
        RateLimitRule r = only("{unit: " + unit + ", requests_per_unit: 7}");
        assertThat(r.kind()).isEqualTo(RateLimitRule.Kind.LIMITED);
        assertThat(r.unit().seconds()).isEqualTo(seconds);
        Limit l = r.spec().limit(0);
        assertThat(r.spec().size()).isEqualTo(1);
        assertThat(l.capacity()).isEqualTo(7);
        assertThat(l.refillTokens()).isEqualByComparingTo("7");
        assertThat(l.period().micros()).isEqualTo(seconds * 1_000_000L);
        assertThat(l.windowSeconds()).isEqualTo(seconds);
        assertThat(r.extended()).isFalse();
    }

    @Test
    void zeroBlocksAndUnlimitedNeedsNoBucket() {
        RateLimitRule block = only("{unit: second, requests_per_unit: 0}");
        assertThat(block.kind()).isEqualTo(RateLimitRule.Kind.BLOCKED);
        assertThat(block.spec()).isNull();
        assertThat(block.unit()).isEqualTo(EnvoyUnit.SECOND);
        // Go's default for a missing requests_per_unit is 0 as well
        assertThat(only("{unit: minute}").kind()).isEqualTo(RateLimitRule.Kind.BLOCKED);
        assertThat(only("{unlimited: true, requests_per_unit: 5}").kind()).isEqualTo(RateLimitRule.Kind.UNLIMITED);
    }

    @Test
    void theExtensionSetsABurstAndAddsLimits() {
        RateLimitRule burst = only("{unit: second, requests_per_unit: 10, tollgate: {burst: 50}}");
        assertThat(burst.spec()).isEqualTo(BucketSpec.of(Limit.of(50, 10, RefillPeriod.SECOND)));
        assertThat(burst.requestsPerUnit()).isEqualTo(10);
        assertThat(burst.extended()).isTrue();

        RateLimitRule several = only("""
                
                      unit: second
                      requests_per_unit: 10
                      tollgate:
                        limits:
                          - {unit: hour, requests_per_unit: 1000}
                          - {unit: day, requests_per_unit: 5000, burst: 6000}
                """.stripTrailing());
        assertThat(several.spec().limits()).containsExactly(Limit.of(10, 10, RefillPeriod.SECOND),
                Limit.of(1000, 1000, RefillPeriod.HOUR), Limit.of(6000, 5000, RefillPeriod.DAY));
    }

    @Test
    void theExtensionIsValidated() {
        assertThat(reject("{unit: second, requests_per_unit: 10, tollgate: {burst: 0}}").problem())
                .isEqualTo("expected a whole number of at least 1 but got 0");
        EnvoyConfigException unknown = reject("{unit: second, requests_per_unit: 10, tollgate: {capacity: 5}}");
        assertThat(unknown.field()).isEqualTo("rate_limit.tollgate.capacity");
        assertThat(unknown.problem()).startsWith("unknown key 'capacity' in the Tollgate extension");
        assertThat(reject("{unit: second, requests_per_unit: 10, tollgate: {}}").problem())
                .isEqualTo("expected 'burst' and/or 'limits'");
        assertThat(reject("{unlimited: true, tollgate: {burst: 5}}").problem())
                .isEqualTo("the Tollgate extension does not apply to an unlimited rate limit");
        assertThat(reject("{unit: second, requests_per_unit: 0, tollgate: {burst: 5}}").problem())
                .startsWith("requests_per_unit 0 blocks every request");
        EnvoyConfigException badUnit = reject(
                "{unit: second, requests_per_unit: 1, tollgate: {limits: [{unit: fortnight, requests_per_unit: 1}]}}");
        assertThat(badUnit.field()).isEqualTo("rate_limit.tollgate.limits[0].unit");
        assertThat(badUnit.problem()).startsWith("invalid rate limit unit 'fortnight'");
        assertThat(reject("{unit: second, requests_per_unit: 1, tollgate: {limits: [{unit: day}]}}").field())
                .isEqualTo("rate_limit.tollgate.limits[0].requests_per_unit");
        // outside rate_limit the extension is an unknown key, as it is for envoyproxy/ratelimit everywhere
        EnvoyConfigException outside = catchThrowableOfType(EnvoyConfigException.class, () -> EnvoyConfigParser.parse(
                "t.yaml", "domain: d\ndescriptors:\n  - key: k\n    tollgate: {burst: 1}\n"));
        assertThat(outside.problem()).startsWith("config error, unknown key 'tollgate'");
    }

    @Test
    void aLimitThatCannotBeExactIsRejectedWithItsField() {
        EnvoyConfigException e = reject("{unit: year, requests_per_unit: 4294967295}");
        assertThat(e.field()).isEqualTo("rate_limit.requests_per_unit");
        assertThat(e.problem()).startsWith("cannot be a token bucket: capacity 4294967295");
    }

    @Test
    void everyEnvoyUnitIsTheCorePeriodOfTheSameName() {
        for (EnvoyUnit unit : EnvoyUnit.values()) {
            assertThat(RefillPeriod.parse(unit.name())).isEqualTo(unit.period());
        }
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> RefillPeriod.parse("fortnight")))
                .hasMessageContaining("\"week\", \"month\", \"year\"");
    }
}
