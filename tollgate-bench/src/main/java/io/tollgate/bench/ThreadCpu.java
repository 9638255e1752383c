package io.tollgate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;

/**
 * CPU time of this JVM's live threads summed by thread-name prefix, in nanoseconds: where the bench JVM's CPU goes
 * when client, server and store share it. One group per prefix list, in the order given; a thread goes to the first
 * group one of whose prefixes its name starts with, or to none. Threads that ended between two samples are lost, so
 * the groups are compared with {@link CpuSample}'s whole-process time and the rest is what no group accounts for.
 * Empty (every group -1) when the JVM does not measure thread CPU time.
 */
final class ThreadCpu {

    private final List<List<String>> groups;

    ThreadCpu(List<List<String>> groups) {
        this.groups = List.copyOf(groups);
    }

    /** CPU nanoseconds used so far by each group's live threads; every entry -1 when unknown. */
    long[] sample() {
        long[] out = new long[groups.size()];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            Arrays.fill(out, -1);
            return out;
        }
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int t = 0; t < ids.length; t++) {
            if (infos[t] == null) {
                continue;
            }
            int g = groupOf(infos[t].getThreadName());
            long nanos = threads.getThreadCpuTime(ids[t]);
            if (g >= 0 && nanos > 0) {
                out[g] += nanos;
            }
        }
        return out;
    }

    /** The index of the group {@code threadName} belongs to, or -1. */
    int groupOf(String threadName) {
        for (int g = 0; g < groups.size(); g++) {
            for (String prefix : groups.get(g)) {
                if (threadName.startsWith(prefix)) {
                    return g;
                }
            }
        }
        return -1;
    }

    /** {@code end - start} per group, -1 where either is unknown. */
    static long[] since(long[] end, long[] start) {
        long[] d = new long[end.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = end[i] < 0 || start[i] < 0 ? -1 : Math.max(0, end[i] - start[i]);
        }
        return d;
    }
}
