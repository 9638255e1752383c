package io.tollgate.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link AllOrNothingContract} on the in-memory store, plus what only memory can show. */
class InMemoryAllOrNothingTest extends AllOrNothingContract {

    private InMemoryBucketStore memory;

    @Override
    protected List<BucketStore> clients(ManualClock clock, int n) {
        memory = new InMemoryBucketStore(clock, 1000);
        return Collections.nCopies(n, memory);
    }

    @Test
    void aRequestThatCanNeverPassCreatesNoBucket() {
        clients(clock, 1);
        memory.decideAll(List.of(new BucketCall("a", FIVE, 1), new BucketCall("b", TWO, 3)), T0);
        assertThat(memory.size()).isZero();
    }

    @Test
    void aCheckOnlyBucketKeepsItsStoredTime() {
        clients(clock, 1);
        memory.decide("a", TWO, 2, T0);
        clock.set(T0 + 1_800_000_000L); // half a token back
        assertThat(memory.decideAll(List.of(new BucketCall("a", TWO, 0)), clock.nowMicros()).get(0).level(0))
                .isEqualTo(TWO.unitsPerToken(0) / 2);
        // a later clock that went back to T0 still sees the stored state at T0, not the check's time
        assertThat(memory.decideAll(List.of(new BucketCall("a", TWO, 0)), T0).get(0).level(0)).isZero();
    }

    @Test
    void emptyRequestsAndNegativeCostsAreRejected() {
        clients(clock, 1);
        assertThatThrownBy(() -> memory.decideAll(List.of(), T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BucketCall("a", TWO, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
