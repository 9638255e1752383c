package io.tollgate.bench;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * CPU time used so far by this JVM (all threads) and by redis-server, in nanoseconds; -1 where unknown. Taken before
 * and after a phase, the difference divided by the decisions of the phase is the CPU cost of one decision, which,
 * unlike a rate, barely moves when other work shares the machine.
 */
record CpuSample(long clientNanos, long serverNanos) {

    /** Where redis-server's CPU time is read from ({@link RedisCpu}), or null; set once by the bench. */
    static volatile LongSupplier server;

    static CpuSample now() {
        LongSupplier s = server;
        return new CpuSample(processCpuNanos(), s == null ? -1 : s.getAsLong());
    }

    /** The CPU used from {@code start} to this sample. */
    CpuSample since(CpuSample start) {
        return new CpuSample(diff(clientNanos, start.clientNanos), diff(serverNanos, start.serverNanos));
    }

    CpuSample plus(CpuSample other) {
        return new CpuSample(sum(clientNanos, other.clientNanos), sum(serverNanos, other.serverNanos));
    }

    /** Client CPU per operation in µs; NaN when unknown. */
    double clientMicrosPer(long operations) {
        return per(clientNanos, operations);
    }

    /** redis-server CPU per operation in µs; NaN when unknown. */
    double serverMicrosPer(long operations) {
        return per(serverNanos, operations);
    }

    private static double per(long nanos, long operations) {
        return operations <= 0 || nanos < 0 ? Double.NaN : nanos / 1e3 / operations;
    }

    private static long diff(long end, long start) {
        return end < 0 || start < 0 ? -1 : end - start;
    }

    private static long sum(long a, long b) {
        return a < 0 || b < 0 ? -1 : a + b;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
