package io.tollgate.core.store;

/**
 * The in-memory store as the reference other stores are compared with, decision by decision: it drops no bucket below
 * its cap. The production store sweeps full buckets at random (one call in 16,384), and a full bucket dropped there
 * but kept by the store under test is decided differently once the simulated clock steps back behind its stored time
 * (kept: at that time, since no time passes; dropped: at now), so a random sweep made such comparisons flaky.
 */
public final class ReferenceBucketStore {

    private ReferenceBucketStore() {
    }

    /** A store of at most {@code maxBuckets} buckets that sweeps only when that cap is reached. */
    public static InMemoryBucketStore keepingEveryBucket(int maxBuckets) {
        return new InMemoryBucketStore(MicrosClock.SYSTEM, maxBuckets, 0);
    }
}
