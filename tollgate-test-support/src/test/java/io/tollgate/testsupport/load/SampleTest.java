package io.tollgate.testsupport.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleTest {

    @Test
    void headerValuesSurviveTheFileFormat() {
        for (String value : Arrays.asList(null, "-", "1", "Wed, 21 Oct 2015 07:28:00 GMT", "50%#x", "\u00e9\t", "")) {
            String field = Sample.encodeValue(value);
            assertThat(field).doesNotContain(" ").doesNotContain("#").isNotEmpty();
            assertThat(Sample.decodeValue(field)).isEqualTo(value);
        }
    }

    @Test
    void parsesAnswersAndFailures() {
        assertThat(Sample.parse("7 7 1 100 2100000 429 - 1")).isEqualTo(new Sample(7, 7, 1, 100, 2_100_000, 429,
                null, "1", null));
        Sample lost = Sample.parse("3 3 0 10 20 -1 - - # no complete response within 1s, before any # byte");
        assertThat(lost.status()).isEqualTo(Sample.LOST);
        assertThat(lost.failed()).isTrue();
        assertThat(lost.error()).isEqualTo("no complete response within 1s, before any # byte");
        assertThat(Sample.parse("0 0 0 0 2500000 200 true -").latencyMillis()).isEqualTo(2.5);
        assertThatThrownBy(() -> Sample.parse("1 2 3")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void percentilesAreNearestRank() {
        List<Sample> samples = new java.util.ArrayList<>();
        for (int ms = 10; ms >= 1; ms--) {
            samples.add(new Sample(0, 0, 0, 0, ms * 1_000_000L, 200, null, null, null));
        }
        assertThat(LoadClientProcess.Result.percentileMillis(samples, 0.5)).isEqualTo(5.0);
        assertThat(LoadClientProcess.Result.percentileMillis(samples, 0.91)).isEqualTo(10.0);
        assertThat(LoadClientProcess.Result.percentileMillis(samples, 0.9)).isEqualTo(9.0);
        assertThat(LoadClientProcess.Result.percentileMillis(samples, 0)).isEqualTo(1.0);
        assertThat(LoadClientProcess.Result.percentileMillis(samples, 1)).isEqualTo(10.0);
        assertThatThrownBy(() -> LoadClientProcess.Result.percentileMillis(List.of(), 0.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
