package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testsupport.redis.RedisServer;
import io.tollgate.testsupport.load.LoadClientProcess;
import io.tollgate.testsupport.load.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Redis really fails (SIGKILL then a restart on the same port, or SIGSTOP then SIGCONT) for 5 s while two server
 * instances serve 1 000 concurrent connections from a load client in its own process, all settings at their defaults.
 * The default failure policy keeps serving, bounded: per instance and client identity, the degraded admissions stay
 * within {@code capacity + rate x span}; there is no 5xx, every request is answered, and decisions go back to Redis
 * once it is back.
 */
class OutageUnderOverloadTest {

    static final long CAPACITY = OverloadAccuracyTest.CAPACITY;
    static final long RATE = OverloadAccuracyTest.RATE;
    static final long FAULT_AT_MS = 6_000;
    static final long OUTAGE_MS = 5_000;
    static final long RUN_MS = 20_000;
    /** After the fault ends, answers must come from Redis again within this. */
    static final long RECOVERY_BOUND_MS = 5_000;
    /** The silence budget (the default tollgate.redis.timeout). */
    static final long TIMEOUT_MS = 100;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kill", "freeze"})
    void theLimitHoldsThroughARedisOutage(String fault) throws Exception {
        boolean kill = fault.equals("kill");
        try (RedisServer redis = RedisServer.start();
             ServerFleet fleet = ServerFleet.start(dir, 2, OverloadAccuracyTest.RULES,
                     "redis://127.0.0.1:" + redis.port());
             LoadClientProcess load = LoadClientProcess.start(dir, List.of("--targets", fleet.targets("/"),
                     "--identities", Integer.toString(OverloadAccuracyTest.IDENTITIES),
                     "--timeout", OverloadAccuracyTest.CLIENT_TIMEOUT.toMillis() + "ms",
                     "--phase", "1000:" + RUN_MS + "ms", "--out", "samples.txt"))) {
            long start = load.awaitStart(Duration.ofSeconds(60));
            sleepUntil(start + TimeUnit.MILLISECONDS.toNanos(FAULT_AT_MS));
            long faultAt = System.nanoTime();
            boolean paused = false;
            try {
                if (kill) {
                    redis.kill();
                } else {
                    redis.pause();
                    paused = true;
                }
                sleepUntil(faultAt + TimeUnit.MILLISECONDS.toNanos(OUTAGE_MS));
            } finally {
                if (kill) {
                    redis.restart();
                } else if (paused) {
                    redis.resume();
                }
            }
            long backAt = System.nanoTime();
            LoadClientProcess.Result result = load.await(Duration.ofSeconds(90));
            List<Sample> samples = result.samples();

            List<Sample> degraded = samples.stream().filter(s -> s.degraded() != null).toList();
            Map<String, List<Sample>> degradedByInstanceAndIdentity = degraded.stream().collect(Collectors.groupingBy(
                    s -> s.target() + "/" + s.identity(), TreeMap::new, Collectors.toList()));
            List<String> overBound = new ArrayList<>();
            long degradedAdmitted = 0;
            for (Map.Entry<String, List<Sample>> e : degradedByInstanceAndIdentity.entrySet()) {
                List<Sample> s = e.getValue();
                long span = s.stream().mapToLong(Sample::endNanos).max().orElseThrow()
                        - s.stream().mapToLong(Sample::startNanos).min().orElseThrow();
                long ok = s.stream().filter(x -> x.status() == 200).count();
                degradedAdmitted += ok;
                long bound = CAPACITY + Math.floorDiv(RATE * span, 1_000_000_000L);
                if (ok > bound) {
                    overBound.add(e.getKey() + ": " + ok + " > " + bound);
                }
            }
            long firstDegraded = degraded.stream().mapToLong(Sample::startNanos).min().orElse(Long.MAX_VALUE);
            long lastDegradedEnd = degraded.stream().mapToLong(Sample::endNanos).max().orElse(0);
            long recovered = samples.stream().filter(s -> s.startNanos() >= backAt && s.degraded() == null)
                    .mapToLong(Sample::endNanos).min().orElse(Long.MAX_VALUE);
            List<Sample> before = samples.stream()
                    .filter(s -> s.startNanos() >= faultAt - TimeUnit.SECONDS.toNanos(3) && s.startNanos() < faultAt)
                    .toList();
            List<Sample> during = samples.stream().filter(s -> s.startNanos() >= faultAt && s.startNanos() < backAt)
                    .toList();
            List<Double> fallbacks = new ArrayList<>();
            for (int i = 0; i < fleet.size(); i++) {
                fallbacks.add(fleet.fallbackDecisions(i));
            }
            System.out.printf("OUTAGE %s: %d requests; statuses %s; degraded %d (admitted %d), first started %d ms after"
                            + " the fault, last ended %d ms after it was over; decisions from Redis again %d ms after it"
                            + " was back; fallback decisions %s; latency before p50 %.0f / p99 %.0f ms, during p50 %.0f"
                            + " / p99 %.0f / max %.0f ms; lost %d; over the local bound %s%n",
                    fault, samples.size(), LoadClientProcess.Result.statusCounts(samples), degraded.size(),
                    degradedAdmitted, TimeUnit.NANOSECONDS.toMillis(firstDegraded - faultAt),
                    TimeUnit.NANOSECONDS.toMillis(lastDegradedEnd - backAt),
                    TimeUnit.NANOSECONDS.toMillis(recovered - backAt), fallbacks,
                    LoadClientProcess.Result.percentileMillis(before, 0.5),
                    LoadClientProcess.Result.percentileMillis(before, 0.99),
                    LoadClientProcess.Result.percentileMillis(during, 0.5),
                    LoadClientProcess.Result.percentileMillis(during, 0.99),
                    LoadClientProcess.Result.percentileMillis(during, 1.0), result.lost().size(),
                    overBound.stream().limit(5).toList());

            assertThat(result.lost()).as("requests without an answer").isEmpty();
            assertThat(samples).as("no 5xx: the bounded fail-open answers 200 or 429")
                    .allMatch(s -> s.status() == 200 || s.status() == 429);
            assertThat(degraded).as("the failure policy decided while Redis was down").isNotEmpty();
            assertThat(degraded).as("degraded answers say which policy").allMatch(s -> s.degraded().equals("fail-open"));
            assertThat(degraded).as("degraded answers include local denials: the fallback is bounded")
                    .anyMatch(s -> s.status() == 429);
            assertThat(overBound).as("per instance and identity, admitted while degraded <= capacity + rate x span")
                    .isEmpty();
            // A request in flight when Redis died may be answered degraded; none may be answered degraded before.
            assertThat(degraded.stream().mapToLong(Sample::endNanos).min().orElseThrow())
                    .as("no degraded answer before the fault").isGreaterThanOrEqualTo(faultAt);
            assertThat(fallbacks).as("fallback decisions on each instance").allMatch(f -> f > 0);
            assertThat(recovered - backAt).as("decisions come from Redis again after it is back (ns)")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(RECOVERY_BOUND_MS));
            // The latency the fault adds is bounded by the silence budget: the fallback decides at once (open breaker)
            // or after the timeout. The rest of a request's latency is queueing in this closed loop, as before.
            assertThat(LoadClientProcess.Result.percentileMillis(during, 0.99)).as("p99 during the fault (ms)")
                    .isLessThanOrEqualTo(LoadClientProcess.Result.percentileMillis(before, 0.99) + TIMEOUT_MS + 500);
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanoTime - System.nanoTime());
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }
}
