package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One decision on its way to Redis: what to decide, the caller's future, and its own deadline (which follows whatever
 * command carries it, see {@link ReplyDeadline}), and the group it is decided with. Completed exactly once, by its
 * batch's reply, its batch's failure, or its deadline, whichever comes first.
 */
final class PendingDecision {

    final String redisKey;
    final BucketSpec spec;
    final long cost;
    final CompletableFuture<Decision> out;
    /** For a reservation ({@code tryReserve}) the longest wait it accepts, above 0; 0 for a decision. */
    long maxWaitMicros;
    /** Set by the store right after creation, before the decision can be sent. */
    ReplyDeadline.Call call;
    /**
     * The decisions of one {@code tryConsumeAll} request that must share a script call, decided all or nothing, in
     * order, this one among them; null for a lone {@code tryConsume} (a group of one). Set before the decision is
     * submitted, and replaced by its part when Cluster splits a request across nodes.
     */
    List<PendingDecision> group;

    PendingDecision(String redisKey, BucketSpec spec, long cost, CompletableFuture<Decision> out) {
        this.redisKey = redisKey;
        this.spec = spec;
        this.cost = cost;
        this.out = out;
    }

    /** The decisions that travel with this one: its group, or itself alone. */
    List<PendingDecision> members() {
        return group == null ? List.of(this) : group;
    }
}
