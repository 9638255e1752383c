package io.tollgate.spring.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.testsupport.redis.RedisServer;
import io.tollgate.testsupport.load.LoadClientProcess;
import io.tollgate.testsupport.load.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/** SCRIPT FLUSH every 100 ms under HTTP load: the store's EVAL fallback hides NOSCRIPT, so no client sees an error. */
class ScriptFlushUnderHttpLoadTest {

    /** Concurrent closed-loop clients. */
    static final int SLOTS = 16;
    /** Pause between a client's requests (bounded load, not saturation). */
    static final Duration THINK = Duration.ofMillis(5);
    /** Flushing lasts this long, every FLUSH_EVERY_MS; the load runs a little longer on both ends. */
    static final long FLUSH_FOR_MS = 2_000;
    static final long FLUSH_EVERY_MS = 100;
    static final long LOAD_LEAD_MS = 500;

    @TempDir
    Path dir;

    @Test
    void scriptFlushesNeverReachClients() throws Exception {
        RedisClient admin = RedisClient.create();
        try (RedisServer redis = RedisServer.start();
             ConfigurableApplicationContext app = HttpLoad.startApp(
                     "tollgate.redis.url=redis://127.0.0.1:" + redis.port(),
                     // generous: this is about NOSCRIPT handling, not latency on a busy machine; any store error
                     // would still show as a degraded (fail-open) response
                     "tollgate.redis.timeout=2s",
                     "tollgate.failure-policy=fail-open",
                     "tollgate.trusted-proxies=127.0.0.1/32",
                     // generous, so that every decision is an allow unless the store fails
                     "tollgate.rules.default.capacity=1000000",
                     "tollgate.rules.default.refill-rate=1000000");
             StatefulRedisConnection<String, String> conn = admin.connect(redis.uri());
             LoadClientProcess load = HttpLoad.start(dir, List.of(HttpLoad.baseUrl(app) + "/flush"), SLOTS, SLOTS,
                     0, Duration.ofMillis(FLUSH_FOR_MS + 2 * LOAD_LEAD_MS), THINK)) {
            long runStart = load.awaitStart(Duration.ofSeconds(60));
            HttpLoad.sleepUntil(runStart + TimeUnit.MILLISECONDS.toNanos(LOAD_LEAD_MS));
            AtomicInteger flushes = new AtomicInteger();
            long flushUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_FOR_MS);
            while (System.nanoTime() < flushUntil) {
                conn.sync().scriptFlush();
                flushes.incrementAndGet();
                Thread.sleep(FLUSH_EVERY_MS);
            }
            List<Sample> samples = load.await(Duration.ofSeconds(60)).samples();
            String evals = conn.sync().info("commandstats").lines().filter(l -> l.startsWith("cmdstat_eval"))
                    .toList().toString();
            System.out.printf("SCRIPT FLUSH under HTTP load: %d requests (%.0f req/s), %d flushes, statuses %s,"
                            + " degraded %d, errors in metrics %.0f; p50 %d ms, p99 %d ms; %s; slow on server %s%n",
                    samples.size(), samples.size() * 1e9 / (System.nanoTime() - runStart), flushes.get(),
                    LoadClientProcess.Result.statusCounts(samples),
                    samples.stream().filter(s -> s.degraded() != null).count(),
                    HttpLoad.decisions(app, "outcome", "error"), HttpLoad.percentile(samples, 0.5),
                    HttpLoad.percentile(samples, 0.99), evals, HttpLoad.slowOnServer(app));
            assertThat(samples.stream().filter(s -> s.status() != 200).limit(5).toList())
                    .as("non-200 responses (lost requests included)")
                    .isEmpty();
            assertThat(samples.stream().filter(s -> s.degraded() != null).limit(5).toList()).as("degraded responses")
                    .isEmpty();
            assertThat(HttpLoad.decisions(app, "outcome", "error")).isZero();
            assertThat(HttpLoad.decisions(app, "outcome", "allowed")).isPositive();
            assertThat(flushes.get()).isGreaterThanOrEqualTo(10);
            assertThat(evals).as("the EVAL fallback really ran").contains("cmdstat_eval:");
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
