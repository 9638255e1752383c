package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-spec script arguments, computed once: {@code [now, cost, cap_1, inc_1, upt_1, ...]} with the first two slots
 * left for the caller to fill in a clone.
 */
final class SpecArguments {

    private record Entry(BucketSpec spec, String[] template) {
    }

    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final int maxEntries;

    SpecArguments(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** The shared template; callers must clone it before writing. */
    String[] template(BucketSpec spec) {
        Entry e = cache.get(spec.fingerprint());
        // Fingerprints are short hashes, so confirm the spec itself (identity is the usual, cheap case).
        if (e != null && (e.spec == spec || e.spec.equals(spec))) {
            return e.template;
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
        String[] t = new String[2 + 3 * n];
        for (int i = 0; i < n; i++) {
            t[2 + 3 * i] = Long.toString(spec.capacityUnits(i));
            t[3 + 3 * i] = Long.toString(spec.unitsPerMicro(i));
            t[4 + 3 * i] = Long.toString(spec.unitsPerToken(i));
        }
        return t;
    }
}
