package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FailurePolicyTest {

    @Test
    void parsesLabelsAndNamesIgnoringCase() {
        assertThat(FailurePolicy.parse("fail-open")).isEqualTo(FailurePolicy.FAIL_OPEN);
        assertThat(FailurePolicy.parse("fail-open-unbounded")).isEqualTo(FailurePolicy.FAIL_OPEN_UNBOUNDED);
        assertThat(FailurePolicy.parse("FAIL_OPEN_UNBOUNDED")).isEqualTo(FailurePolicy.FAIL_OPEN_UNBOUNDED);
        assertThat(FailurePolicy.parse("Fail-Closed")).isEqualTo(FailurePolicy.FAIL_CLOSED);
        assertThat(FailurePolicy.parse("local")).isEqualTo(FailurePolicy.LOCAL);
        assertThat(FailurePolicy.FAIL_OPEN_UNBOUNDED.label()).isEqualTo("fail-open-unbounded");
    }

    @Test
    void theErrorListsAllFourValues() {
        assertThatThrownBy(() -> FailurePolicy.parse("fail-sideways")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected one of \"fail-open\", \"fail-open-unbounded\", \"fail-closed\", \"local\""
                        + " but got \"fail-sideways\"");
    }
}
