package io.tollgate.spring.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testsupport.redis.RedisServer;
import io.tollgate.testsupport.load.AdmissionBounds;
import io.tollgate.testsupport.load.LoadClientProcess;
import io.tollgate.testsupport.load.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two app instances on one Redis under 200 truly concurrent connections: per client identity, the number of admitted
 * requests matches the token bucket exactly — never more than {@code capacity + rate × window} (no over-admission at
 * all), and in total less than 1 % fewer than continuous demand must get (the deny cache stays on).
 */
class TwoInstanceAdmissionAccuracyTest {

    /**
     * The rule: 20 tokens, 2 per second, keyed by client IP (the X-Forwarded-For value, 127.0.0.1 is trusted). Not
     * 5/s: 50 identities x 5/s = 250 admissions/s is about all the load a busy 2-core machine could generate through
     * two apps (measured 224-322 req/s in total), so demand fell below the refill rate, buckets stayed full and the
     * lower bound's premise (demand never pauses) was false. At 2/s demand exceeds supply about 2-3x even there.
     */
    static final long CAPACITY = 20;
    static final long RATE_PER_SECOND = 2;
    /** Client identities; each is served by 4 connections, 2 on each instance. */
    static final int IDENTITIES = 50;
    /** Concurrent connections (closed loops without think time), half on each instance. */
    static final int CONNECTIONS = 200;
    /**
     * Load on other identities before the measured run. Without it the cold JVMs answer so slowly during the first
     * seconds that an identity's demand falls below the refill rate, its bucket fills up and refill is wasted: a
     * first attempt (at 5/s) measured 11.5 % "under-admission" that was only missing demand, not the limiter. The lower bound below assumes demand never pauses, which the warm-up makes true.
     */
    static final Duration WARM_UP = Duration.ofSeconds(3);
    /** Hard bounds on the run: time and request count. */
    static final Duration RUN_FOR = Duration.ofSeconds(20);
    /** Allowed total under-admission: sum of per-identity shortfalls / sum of expected minimums. */
    static final double MAX_UNDER_ADMISSION = 0.01;

    @TempDir
    Path dir;

    @Test
    void admissionsMatchTheBucketAcrossTwoInstances() throws Exception {
        String[] props = {
                "tollgate.rules.default.capacity=" + CAPACITY,
                "tollgate.rules.default.refill-rate=" + RATE_PER_SECOND,
                "tollgate.trusted-proxies=127.0.0.1/32",
                // generous timeout and fail-closed: a slow store on a busy machine can then never admit beyond the
                // limit; any such fallback is counted (and must not happen)
                "tollgate.redis.timeout=3s",
                "tollgate.failure-policy=fail-closed",
                "tollgate.deny-cache.enabled=true"};
        try (RedisServer redis = RedisServer.start();
             ConfigurableApplicationContext a = HttpLoad.startApp(with(props, redis));
             ConfigurableApplicationContext b = HttpLoad.startApp(with(props, redis))) {
            List<String> urls = List.of(HttpLoad.baseUrl(a) + "/accuracy", HttpLoad.baseUrl(b) + "/accuracy");
            // connection c: identity c % 50 (plus the offset); instance (c / 50) % 2, so each identity has two
            // connections on each instance. The warm-up uses identities of its own.
            int warmUpRequests;
            try (LoadClientProcess warmUp = HttpLoad.start(dir, urls, CONNECTIONS, IDENTITIES, 1_000, WARM_UP,
                    Duration.ZERO)) {
                LoadClientProcess.Result r = warmUp.await(WARM_UP.plusSeconds(60));
                assertThat(r.lost()).as("warm-up requests without an answer").isEmpty();
                warmUpRequests = r.samples().size();
            }
            double[] localBefore = {HttpLoad.denyCacheLocalDenials(a), HttpLoad.denyCacheLocalDenials(b)};
            LoadClientProcess.Result result;
            try (LoadClientProcess run = HttpLoad.start(dir, urls, CONNECTIONS, IDENTITIES, 0, RUN_FOR,
                    Duration.ZERO)) {
                result = run.await(RUN_FOR.plusSeconds(60));
            }
            List<Sample> samples = result.samples();
            double seconds = (samples.stream().mapToLong(Sample::endNanos).max().orElseThrow() - result.startNanos())
                    / 1e9;

            AdmissionBounds bounds = AdmissionBounds.of(samples, CAPACITY, RATE_PER_SECOND);
            long denied = samples.stream().filter(x -> x.status() == 429).count();
            System.out.printf("ACCURACY warm-up: %d requests in %d ms%n", warmUpRequests, WARM_UP.toMillis());
            System.out.printf("ACCURACY 2 instances x %d connections, %d identities, %d @ %d/s: %d requests in %.1f s"
                            + " (%.0f req/s), admitted %d (bounds: at least %d, at most %d), denied %d, other %s;"
                            + " over-admission %d requests; under-admission %d of %d expected = %.3f %%; deny-cache local denials"
                            + " %.0f + %.0f; p50 %d ms, p99 %d ms; outside the bounds: %s; answers slower than 1 s on"
                            + " the server %d + %d; lost %d%n",
                    CONNECTIONS / 2, IDENTITIES, CAPACITY, RATE_PER_SECOND, samples.size(), seconds,
                    samples.size() / seconds, bounds.admitted(), bounds.expectedMin(), bounds.maxAllowed(), denied,
                    LoadClientProcess.Result.statusCounts(samples.stream()
                            .filter(x -> x.status() != 200 && x.status() != 429).toList()),
                    bounds.overAdmitted(), bounds.shortfall(), bounds.expectedMin(), bounds.underAdmission() * 100,
                    HttpLoad.denyCacheLocalDenials(a) - localBefore[0], HttpLoad.denyCacheLocalDenials(b) - localBefore[1],
                    HttpLoad.percentile(samples, 0.5), HttpLoad.percentile(samples, 0.99),
                    bounds.outside().stream().limit(10).toList(), HttpLoad.slowOnServer(a).size(), HttpLoad.slowOnServer(b).size(),
                    result.lost().size());

            assertThat(result.lost()).as("requests without an answer").isEmpty();
            assertThat(result.byIdentity()).hasSize(IDENTITIES);
            assertThat(samples.stream().filter(x -> x.status() != 200 && x.status() != 429).limit(5).toList())
                    .as("answers other than 200/429 (errors, fail-closed 503s, lost requests)").isEmpty();
            assertThat(samples.stream().filter(x -> x.degraded() != null).count()).as("degraded answers").isZero();
            assertThat(bounds.overAdmitted()).as("over-admission (requests beyond capacity + rate x window)").isZero();
            assertThat(bounds.underAdmission()).as("under-admission ratio").isLessThan(MAX_UNDER_ADMISSION);
            assertThat(denied).as("the limit was actually exercised").isPositive();
        }
    }

    private static String[] with(String[] props, RedisServer redis) {
        List<String> all = new ArrayList<>(List.of(props));
        all.add("tollgate.redis.url=redis://127.0.0.1:" + redis.port());
        return all.toArray(String[]::new);
    }
}
