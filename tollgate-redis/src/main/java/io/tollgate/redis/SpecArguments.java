package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-spec script arguments, computed once: the spec table entry {@code [n, cap_1, inc_1, upt_1, ..., cap_n, inc_n,
 * upt_n]} of {@code tollgate_batch.lua}.
 */
final class SpecArguments {

    private record Entry(BucketSpec spec, String[] entry) {
    }

    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final int maxEntries;

    SpecArguments(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** The shared entry; callers must not write to it. */
    String[] entry(BucketSpec spec) {
        Entry e = cache.get(spec.fingerprint());
        // Fingerprints are short hashes, so confirm the spec itself (identity is the usual, cheap case).
        if (e != null && (e.spec == spec || e.spec.equals(spec))) {
            return e.entry;
        }
        String[] t = build(spec);
        if (e == null) {
            if (cache.size() >= maxEntries) {
                cache.clear(); // specs come from rules, so this only trips on churn; rebuilding is cheap
            }
            cache.put(spec.fingerprint(), new Entry(spec, t));
        }
        return t;
    }

    static String[] build(BucketSpec spec) {
        int n = spec.size();
        String[] t = new String[1 + 3 * n];
        t[0] = Integer.toString(n);
        for (int i = 0; i < n; i++) {
            t[1 + 3 * i] = Long.toString(spec.capacityUnits(i));
            t[2 + 3 * i] = Long.toString(spec.unitsPerMicro(i));
            t[3 + 3 * i] = Long.toString(spec.unitsPerToken(i));
        }
        return t;
    }
}
