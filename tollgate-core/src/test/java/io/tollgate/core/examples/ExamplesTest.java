package io.tollgate.core.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The README's programmatic example runs and does what its comments say. */
class ExamplesTest {

    @Test
    void outboundThrottlingRunsAsTheReadmeSays() throws Exception {
        String log = OutboundThrottlingExample.run();
        // 20 slots: the burst of 10 at once at least (more if the loop is slower than the 100/s refill), the rest after
        // waiting; how many waited depends on the machine's speed, that every call got its slot does not
        String[] words = log.substring(0, log.indexOf(log.contains("retry") ? "retry" : "5 would")).trim().split(" ");
        assertThat(words).hasSize(20);
        assertThat(java.util.Arrays.stream(words).filter("now"::equals).count()).isGreaterThanOrEqualTo(10);
        assertThat(log).containsPattern("5 would pass( in \\d+ ms)?; cost 11 is above the capacity of rule \"partner-api\""
                + " \\(10@100/second\\): it could never be acquired, however long the wait$");
    }
}
