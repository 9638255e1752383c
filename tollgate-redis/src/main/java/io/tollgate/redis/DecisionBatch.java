package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;

/**
 * The KEYS and ARGV of one {@code tollgate_batch.lua} call for a list of decisions, and the split of its flat reply
 * back into one {@link Decision} per caller (see the script header for both layouts). Each distinct spec is sent once
 * and referred to by its index. Decisions of one {@link PendingDecision#group group} must be consecutive in the list;
 * each run of them is one script group, decided all or nothing (a lone decision is a group of its own).
 */
final class DecisionBatch {

    private static final String[] SMALL = new String[65];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = Integer.toString(i);
        }
    }

    final List<PendingDecision> decisions;
    final String[] keys;
    final String[] argv;

    private DecisionBatch(List<PendingDecision> decisions, String[] keys, String[] argv) {
        this.decisions = decisions;
        this.keys = keys;
        this.argv = argv;
    }

    /**
     * @param nowArgument the script's ARGV[1]: {@code "0"} for the server's TIME, else test-only micros
     */
    static DecisionBatch of(List<PendingDecision> decisions, String nowArgument, SpecArguments arguments) {
        return of(decisions, nowArgument, arguments, false);
    }

    /**
     * @param keysInArgv for {@link BucketScript#CROSS_SLOT}: no KEYS, the keys go first in ARGV ({@code D, key_1 ..
     *                   key_D}), so one call may span the slots of one Cluster node
     */
    static DecisionBatch of(List<PendingDecision> decisions, String nowArgument, SpecArguments arguments,
            boolean keysInArgv) {
        DecisionBatch b = of0(decisions, nowArgument, arguments);
        if (!keysInArgv) {
            return b;
        }
        int d = b.keys.length;
        String[] argv = new String[1 + d + b.argv.length];
        argv[0] = Integer.toString(d);
        System.arraycopy(b.keys, 0, argv, 1, d);
        System.arraycopy(b.argv, 0, argv, 1 + d, b.argv.length);
        return new DecisionBatch(decisions, new String[0], argv);
    }

    private static DecisionBatch of0(List<PendingDecision> decisions, String nowArgument, SpecArguments arguments) {
        int d = decisions.size();
        String[] keys = new String[d];
        // Specs per batch are few (one per rule in use), so a linear scan beats hashing the limit lists.
        List<BucketSpec> specs = new ArrayList<>(4);
        int[] specIndex = new int[d];
        int specArgs = 0;
        for (int i = 0; i < d; i++) {
            PendingDecision p = decisions.get(i);
            keys[i] = p.redisKey;
            int s = indexOf(specs, p.spec);
            if (s < 0) {
                s = specs.size();
                specs.add(p.spec);
                specArgs += 1 + 3 * p.spec.size();
            }
            specIndex[i] = s + 1;
        }
        int reservations = 0;
        for (PendingDecision p : decisions) {
            if (p.maxWaitMicros > 0) {
                reservations++;
            }
        }
        String[] argv = new String[3 + specArgs + 2 * reservations + 3 * d];
        argv[0] = nowArgument;
        argv[1] = small(specs.size());
        int a = 2;
        for (BucketSpec spec : specs) {
            String[] entry = arguments.entry(spec);
            System.arraycopy(entry, 0, argv, a, entry.length);
            a += entry.length;
        }
        argv[a++] = small(reservations);
        for (int i = 0; i < d && reservations > 0; i++) {
            PendingDecision p = decisions.get(i);
            if (p.maxWaitMicros > 0) {
                argv[a++] = small(i + 1);
                argv[a++] = Long.toString(p.maxWaitMicros);
            }
        }
        int group = 0;
        for (int i = 0; i < d; i++) {
            PendingDecision p = decisions.get(i);
            if (p.group == null || i == 0 || decisions.get(i - 1).group != p.group) {
                group++;
            }
            argv[a++] = small(specIndex[i]);
            argv[a++] = small(p.cost);
            argv[a++] = small(group);
        }
        return new DecisionBatch(decisions, keys, argv);
    }

    private static int indexOf(List<BucketSpec> specs, BucketSpec spec) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i) == spec) {
                return i;
            }
        }
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).equals(spec)) {
                return i;
            }
        }
        return -1;
    }

    private static String small(long n) {
        return n < SMALL.length ? SMALL[(int) n] : Long.toString(n);
    }

    /** Completes every decision from the script's reply; a malformed reply fails them all. */
    void complete(List<Object> reply) {
        Decision[] out;
        try {
            out = parse(reply);
        } catch (RuntimeException e) {
            fail(new StoreUnavailableException("bad reply from redis: " + e.getMessage(), e));
            return;
        }
        for (int i = 0; i < out.length; i++) {
            decisions.get(i).out.complete(out[i]);
        }
    }

    /** Fails every decision of the batch with the same failure; each then meets its own failure policy. */
    void fail(StoreException failure) {
        for (PendingDecision p : decisions) {
            p.out.completeExceptionally(failure);
        }
    }

    private Decision[] parse(List<Object> r) {
        int expected = 1;
        for (PendingDecision p : decisions) {
            expected += 2 + p.spec.size();
        }
        if (r == null || r.size() != expected) {
            throw new IllegalStateException("unexpected script reply of " + (r == null ? 0 : r.size())
                    + " values for " + decisions.size() + " decisions (expected " + expected + ")");
        }
        long now = (Long) r.get(0);
        Decision[] out = new Decision[decisions.size()];
        int at = 1;
        for (int i = 0; i < out.length; i++) {
            PendingDecision p = decisions.get(i);
            boolean allowed = (Long) r.get(at) == 1L;
            long ahead = (Long) r.get(at + 1);
            long[] levels = new long[p.spec.size()];
            for (int l = 0; l < levels.length; l++) {
                levels[l] = (Long) r.get(at + 2 + l);
            }
            at += 2 + levels.length;
            // allowed is this decision's own bucket; its group was applied exactly when all of the group's are
            out[i] = Decision.of(p.spec, p.cost, allowed, levels, now + ahead, ahead);
        }
        return out;
    }
}
