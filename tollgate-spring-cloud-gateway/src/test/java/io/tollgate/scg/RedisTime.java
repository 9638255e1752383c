package io.tollgate.scg;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;

/**
 * The Redis server's clock (TIME), which both RedisRateLimiter's script and Tollgate's decide on, and bounded waits
 * for a point on it. Lets a test place requests within one Redis second, or on either side of a second boundary.
 */
final class RedisTime implements AutoCloseable {

    static final long SECOND = 1_000_000;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RedisTime(RedisURI uri) {
        uri.setTimeout(Duration.ofSeconds(5));
        client = RedisClient.create(uri);
        connection = client.connect();
    }

    /** Microseconds since the epoch, by the server. */
    long micros() {
        List<String> t = connection.sync().time();
        return Long.parseLong(t.get(0)) * SECOND + Long.parseLong(t.get(1));
    }

    /** Waits until the server's time is {@code from} to {@code to} microseconds into a second; at most ~2 s. */
    long awaitPhase(long from, long to) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            long now = micros();
            long phase = now % SECOND;
            if (phase >= from && phase < to) {
                return now;
            }
            long wait = phase < from ? from - phase : SECOND - phase + from;
            Thread.sleep(Math.max(1, Math.min(wait / 1000, 200)));
        }
        throw new IllegalStateException("Redis TIME never reached phase " + from + ".." + to + " us");
    }

    /** Waits until the server's time is at least {@code target}; at most ~2 s. */
    long awaitAtLeast(long target) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            long now = micros();
            if (now >= target) {
                return now;
            }
            Thread.sleep(Math.max(1, Math.min((target - now) / 1000, 200)));
        }
        throw new IllegalStateException("Redis TIME never reached " + target);
    }

    /** Every key in the server's database 0, for inspection. */
    List<String> keys() {
        return connection.sync().keys("*");
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
