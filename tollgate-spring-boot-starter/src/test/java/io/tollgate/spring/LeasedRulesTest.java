package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.rules.RuleSet;
import io.tollgate.core.rules.RuleSetParser;
import org.junit.jupiter.api.Test;

class LeasedRulesTest {

    private final RuleSet rules = RuleSetParser.parse("""
            {"everyone": {"match": {"paths": ["/expensive/**"]}, "key": "global", "capacity": 10000,
                          "refill_rate": 10000, "lease": true},
             "every": {"capacity": 5, "refill_rate": 1},
             "default": {"capacity": 20, "refill_rate": 5}}
            """, "rate_limits.json");

    @Test
    void onlyBucketsOfLeasedRulesUseLeases() {
        assertThat(TollgateAutoConfiguration.leased(rules, "everyone:global")).isTrue();
        // a rule whose name is a prefix of the leased one is not leased
        assertThat(TollgateAutoConfiguration.leased(rules, "every:ip:10.0.0.1")).isFalse();
        assertThat(TollgateAutoConfiguration.leased(rules, "everyoneelse:ip:10.0.0.1")).isFalse();
        assertThat(TollgateAutoConfiguration.leased(rules, "default:ip:10.0.0.1")).isFalse();
    }
}
