package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CountedResponsesTest {

    @Test
    void allCountsEveryRequestBeforeItIsServed() {
        assertThat(CountedResponses.ALL.afterResponse()).isFalse();
        assertThat(CountedResponses.ALL.counts(200)).isTrue();
        assertThat(CountedResponses.ALL).hasToString("all");
    }

    @Test
    void failuresAreEvery4xxAnd5xx() {
        assertThat(CountedResponses.FAILURES.afterResponse()).isTrue();
        for (int status : new int[] {100, 200, 204, 302, 399}) {
            assertThat(CountedResponses.FAILURES.counts(status)).as("%d", status).isFalse();
        }
        for (int status : new int[] {400, 401, 404, 429, 499, 500, 503, 599}) {
            assertThat(CountedResponses.FAILURES.counts(status)).as("%d", status).isTrue();
        }
        assertThat(CountedResponses.FAILURES).hasToString("failures");
    }

    @Test
    void aStatusListCountsOnlyItsStatuses() {
        CountedResponses login = CountedResponses.statuses(List.of(403, 401, 401));
        assertThat(login.afterResponse()).isTrue();
        assertThat(login.counts(401)).isTrue();
        assertThat(login.counts(403)).isTrue();
        assertThat(login.counts(400)).isFalse();
        assertThat(login.counts(500)).isFalse();
        assertThat(login.counts(200)).isFalse();
        assertThat(login.statuses()).containsExactly(401, 403);
        assertThat(login).hasToString("status=[401, 403]").isEqualTo(CountedResponses.statuses(List.of(401, 403)))
                .isNotEqualTo(CountedResponses.statuses(List.of(401)));
    }

    @Test
    void aStatusListIsNonEmptyAndInRange() {
        assertThatThrownBy(() -> CountedResponses.statuses(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CountedResponses.statuses(List.of(600))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CountedResponses.statuses(List.of(99))).isInstanceOf(IllegalArgumentException.class);
    }
}
