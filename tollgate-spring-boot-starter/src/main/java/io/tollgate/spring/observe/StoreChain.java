package io.tollgate.spring.observe;

import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.resilience.CircuitBreakingBucketStore;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import io.tollgate.core.store.BucketStore;

/** Finds a layer (leases, breaker, deny cache) in a chain of decorating stores, for metrics and health. */
final class StoreChain {

    private StoreChain() {
    }

    static <T extends BucketStore> T find(BucketStore store, Class<T> type) {
        BucketStore s = store;
        for (int depth = 0; s != null && depth < 8; depth++) {
            if (type.isInstance(s)) {
                return type.cast(s);
            }
            if (s instanceof DenyCachingBucketStore d) {
                s = d.delegate();
            } else if (s instanceof CircuitBreakingBucketStore c) {
                s = c.delegate();
            } else if (s instanceof LeasingBucketStore l) {
                s = l.backing();
            } else {
                return null;
            }
        }
        return null;
    }
}
