package io.tollgate.core.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.store.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottledLogTest {

    @Test
    void oneLinePerIntervalCountingTheSuppressedOnes() {
        ManualClock clock = new ManualClock(0);
        ThrottledLog log = new ThrottledLog(Duration.ofSeconds(10), clock);
        List<Long> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            log.event(lines::add);
        }
        assertThat(lines).containsExactly(0L);
        clock.advanceMillis(9_999);
        log.event(lines::add);
        assertThat(lines).containsExactly(0L);
        clock.advanceMillis(1);
        log.event(lines::add);
        assertThat(lines).containsExactly(0L, 5L);
    }
}
