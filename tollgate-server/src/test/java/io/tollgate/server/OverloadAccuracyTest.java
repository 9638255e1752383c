package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testsupport.redis.RedisServer;
import io.tollgate.testsupport.load.AdmissionBounds;
import io.tollgate.testsupport.load.LoadClientProcess;
import io.tollgate.testsupport.load.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Overload is not an outage. Fresh server JVMs on a healthy Redis, with every setting at its default (timeout
 * 100 ms, breaker on, default failure policy), are hit at once by 1 000 concurrent connections from a load client in
 * a process of its own, on a 2-core machine. The limit must hold exactly as at rest: per identity, never more than
 * {@code capacity + rate x span}, under-admission below 1 %, not one failure-policy decision, every request answered.
 */
class OverloadAccuracyTest {

    static final long CAPACITY = 20;
    static final long RATE = 2;
    static final String RULES = "{\"default\": {\"capacity\": " + CAPACITY + ", \"refill_rate\": " + RATE + "}}";
    static final int IDENTITIES = 50;
    /** A request without an answer within this is recorded as lost; far above any latency seen here. */
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
    static final double MAX_UNDER_ADMISSION = 0.01;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "one cold instance, 1000 connections for 15 s | 1 | 1000:15s",
            "two cold instances, 1000 connections for 15 s | 2 | 1000:15s",
            "two instances, 20 connections for 8 s then 1000 for 15 s | 2 | 20:8s 1000:15s"})
    void theLimitHoldsUnderOverload(String name, int instances, String phases) throws Exception {
        try (RedisServer redis = RedisServer.start();
             ServerFleet fleet = ServerFleet.start(dir, instances, RULES, "redis://127.0.0.1:" + redis.port())) {
            List<String> args = new ArrayList<>(List.of("--targets", fleet.targets("/"),
                    "--identities", Integer.toString(IDENTITIES), "--timeout", CLIENT_TIMEOUT.toMillis() + "ms",
                    "--out", "samples.txt"));
            for (String p : phases.split(" ")) {
                args.addAll(List.of("--phase", p));
            }
            LoadClientProcess.Result result;
            try (LoadClientProcess load = LoadClientProcess.start(dir, args)) {
                result = load.await(Duration.ofSeconds(120));
            }
            List<Sample> samples = result.samples();
            AdmissionBounds bounds = AdmissionBounds.of(samples, CAPACITY, RATE);
            List<Double> fallbacks = new ArrayList<>();
            for (int i = 0; i < fleet.size(); i++) {
                fallbacks.add(fleet.fallbackDecisions(i));
            }
            double seconds = (samples.stream().mapToLong(Sample::endNanos).max().orElse(0) - result.startNanos()) / 1e9;
            long shed = samples.stream().filter(s -> s.status() == 503).count();
            System.out.printf("OVERLOAD %s: %d requests in %.1f s (%.0f/s); statuses %s; admitted %d (bounds %d..%d),"
                            + " over-admitted %d, under-admission %.3f %%; shed %d; fallback decisions %s; latency p50"
                            + " %.0f ms, p99 %.0f ms, max %.0f ms; lost %d; outside the bounds %s%n",
                    name, samples.size(), seconds, samples.size() / seconds,
                    LoadClientProcess.Result.statusCounts(samples), bounds.admitted(), bounds.expectedMin(),
                    bounds.maxAllowed(), bounds.overAdmitted(), bounds.underAdmission() * 100, shed, fallbacks,
                    LoadClientProcess.Result.percentileMillis(samples, 0.5),
                    LoadClientProcess.Result.percentileMillis(samples, 0.99),
                    LoadClientProcess.Result.percentileMillis(samples, 1.0), result.lost().size(),
                    bounds.outside().stream().limit(5).toList());

            for (int i = 0; i < fleet.size(); i++) {
                if (fallbacks.get(i) > 0) { // why a failure policy decided: the instance's warnings
                    int instance = i;
                    fleet.output(i).lines().filter(l -> l.contains("WARN") || l.contains("ERROR")).limit(20)
                            .forEach(l -> System.out.println("instance " + instance + ": " + l));
                }
            }
            assertThat(result.lost()).as("requests without an answer").isEmpty();
            // A decision that queued past the overload timeout is shed (503, Retry-After 1): bounded waiting is the
            // designed answer to overload. It admits nothing, so the lower bound below still has to hold.
            assertThat(samples).as("every answer is 200, 429 or a shed 503")
                    .allMatch(s -> s.status() == 200 || s.status() == 429
                            || (s.status() == 503 && "1".equals(s.retryAfter())));
            assertThat(samples).as("no degraded answers").allMatch(s -> s.degraded() == null);
            assertThat(fallbacks).as("failure-policy decisions per instance").allMatch(f -> f == 0);
            assertThat(result.byIdentity()).hasSize(IDENTITIES);
            assertThat(bounds.overAdmitted()).as("admissions beyond capacity + rate x span").isZero();
            assertThat(bounds.underAdmission()).as("under-admission").isLessThan(MAX_UNDER_ADMISSION);
        }
    }
}
