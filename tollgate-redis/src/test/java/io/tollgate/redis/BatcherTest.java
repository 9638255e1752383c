package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.store.StoreOverloadedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The batcher's window, batch size, queue bound and slot release, with a sender that only records. */
class BatcherTest {

    static final BucketSpec SPEC = BucketSpec.of(Limit.of(10, 1, RefillPeriod.SECOND));

    record Sent(List<PendingDecision> batch, Runnable done) {
    }

    static PendingDecision pending() {
        return new PendingDecision("k", SPEC, 1, new CompletableFuture<Decision>());
    }

    @Test
    void sendsAtOnceWhileTheWindowIsOpenThenBatchesTheQueue() {
        List<Sent> sent = new ArrayList<>();
        Batcher b = new Batcher(3, 2, 1, 10, (batch, done) -> sent.add(new Sent(batch, done)));
        List<PendingDecision> all = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            PendingDecision p = pending();
            all.add(p);
            b.submit(p);
        }
        assertThat(sent).hasSize(2).allMatch(s -> s.batch().size() == 1);
        assertThat(b.queued()).isEqualTo(7);
        sent.get(0).done().run(); // reply in: up to 3 queued go out together
        assertThat(sent).hasSize(3);
        assertThat(sent.get(2).batch()).containsExactly(all.get(2), all.get(3), all.get(4));
        sent.get(0).done().run(); // once only
        assertThat(sent).hasSize(3);
        // a batch whose decisions all completed otherwise (their deadlines) frees its slot too
        sent.get(1).batch().get(0).out.completeExceptionally(new RuntimeException("deadline"));
        assertThat(sent).hasSize(4);
        assertThat(sent.get(3).batch()).containsExactly(all.get(5), all.get(6), all.get(7));
        // a queued decision shed meanwhile is skipped: nothing left to send
        all.get(8).out.completeExceptionally(new RuntimeException("deadline"));
        sent.get(2).done().run();
        assertThat(sent).hasSize(4);
        assertThat(b.queued()).isZero();
        assertThat(b.inFlight()).isOne();
    }

    @Test
    void aBatchBesideOneInFlightWaitsUntilEnoughDecisionsWait() {
        List<Sent> sent = new ArrayList<>();
        Batcher b = new Batcher(4, 2, 2, 10, (batch, done) -> sent.add(new Sent(batch, done)));
        List<PendingDecision> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(pending());
        }
        b.submit(all.get(0)); // nothing in flight: out at once
        b.submit(all.get(1)); // one in flight, one waiting: fewer than 2, so it waits
        assertThat(sent).hasSize(1);
        assertThat(b.queued()).isOne();
        b.submit(all.get(2)); // two waiting: the second slot opens for both
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).batch()).containsExactly(all.get(1), all.get(2));
        b.submit(all.get(3));
        b.submit(all.get(4));
        b.submit(all.get(5)); // the window is full however many wait
        assertThat(sent).hasSize(2);
        sent.get(0).done().run(); // one slot free beside one in flight, 3 waiting: out together
        assertThat(sent).hasSize(3);
        assertThat(sent.get(2).batch()).containsExactly(all.get(3), all.get(4), all.get(5));
        b.submit(all.get(6)); // one waiting beside two in flight
        sent.get(1).done().run(); // one in flight again, but only one waits: it stays
        assertThat(sent).hasSize(3);
        sent.get(2).done().run(); // nothing in flight: whatever waits goes out
        assertThat(sent).hasSize(4);
        assertThat(sent.get(3).batch()).containsExactly(all.get(6));
        assertThat(b.queued()).isZero();
    }

    @Test
    void aFullQueueIsOverload() {
        Batcher b = new Batcher(4, 1, 1, 3, (batch, done) -> { });
        List<PendingDecision> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            PendingDecision p = pending();
            all.add(p);
            b.submit(p);
        }
        assertThat(all.subList(0, 4)).noneMatch(p -> p.out.isDone());
        assertThat(all.subList(4, 6)).allSatisfy(p -> assertThat(p.out)
                .failsWithin(java.time.Duration.ZERO).withThrowableThat()
                .withCauseInstanceOf(StoreOverloadedException.class));
        b.close();
        assertThat(all.subList(1, 4)).allMatch(p -> p.out.isCompletedExceptionally());
    }
}
