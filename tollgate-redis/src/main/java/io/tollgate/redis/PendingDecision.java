package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import java.util.concurrent.CompletableFuture;

/**
 * One decision on its way to Redis: what to decide, the caller's future, and its own deadline (which follows whatever
 * command carries it, see {@link ReplyDeadline}). Completed exactly once, by its batch's reply, its batch's failure,
 * or its deadline, whichever comes first.
 */
final class PendingDecision {

    final String redisKey;
    final BucketSpec spec;
    final long cost;
    final CompletableFuture<Decision> out;
    /** Set by the store right after creation, before the decision can be sent. */
    ReplyDeadline.Call call;

    PendingDecision(String redisKey, BucketSpec spec, long cost, CompletableFuture<Decision> out) {
        this.redisKey = redisKey;
        this.spec = spec;
        this.cost = cost;
        this.out = out;
    }
}
