package io.tollgate.bench;

import io.lettuce.core.api.StatefulRedisConnection;
import java.math.BigDecimal;
import java.util.function.LongSupplier;

/**
 * redis-server's own account of its CPU time: {@code used_cpu_user + used_cpu_sys} of {@code INFO CPU} (getrusage of
 * the whole process, microsecond resolution), in nanoseconds, or -1 when it cannot be read. Finer than the 10 ms ticks
 * of /proc, so short phases get a usable figure too. Read on a connection of its own, outside any measured client.
 */
final class RedisCpu implements LongSupplier {

    private final StatefulRedisConnection<String, String> connection;

    RedisCpu(StatefulRedisConnection<String, String> connection) {
        this.connection = connection;
    }

    @Override
    public long getAsLong() {
        try {
            return parse(connection.sync().info("cpu"));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The sum of the two fields in nanoseconds, or -1 if either is missing. */
    static long parse(String info) {
        BigDecimal user = null;
        BigDecimal sys = null;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_cpu_user:")) {
                user = new BigDecimal(line.substring("used_cpu_user:".length()).trim());
            } else if (line.startsWith("used_cpu_sys:")) {
                sys = new BigDecimal(line.substring("used_cpu_sys:".length()).trim());
            }
        }
        return user == null || sys == null ? -1 : user.add(sys).movePointRight(9).longValue();
    }
}
