package io.tollgate.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's own work so far, in milliseconds, as its management beans count it (-1 where unknown): time spent in the
 * JIT compilers and in garbage collection. Taken before and after a run, it tells whether a warm-up was long enough
 * (the JIT still compiling) and what the "rest" of {@link GrpcPhase.CpuSplit} was made of. Both are the beans'
 * elapsed-time accounts, not CPU time: a guide to where time went, not a term of the split.
 */
record JvmWork(long jitMillis, long gcMillis) {

    static JvmWork now() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long compile = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
        long gc = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            long t = b.getCollectionTime();
            gc = t < 0 || gc < 0 ? -1 : gc + t;
        }
        return new JvmWork(compile, gc);
    }

    /** The work from {@code start} to this sample. */
    JvmWork since(JvmWork start) {
        return new JvmWork(diff(jitMillis, start.jitMillis), diff(gcMillis, start.gcMillis));
    }

    private static long diff(long end, long start) {
        return end < 0 || start < 0 ? -1 : end - start;
    }

    @Override
    public String toString() {
        return "JIT " + (jitMillis < 0 ? "n/a" : jitMillis + " ms") + ", GC "
                + (gcMillis < 0 ? "n/a" : gcMillis + " ms");
    }
}
