package io.tollgate.spring.faults;

import static io.tollgate.spring.faults.HttpLoad.millisSince;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testsupport.redis.RedisSentinelGroup;
import io.tollgate.testsupport.redis.RedisServer;
import io.tollgate.testsupport.load.LoadClientProcess;
import io.tollgate.testsupport.load.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Sentinel failover under HTTP load, fail-open: clients never see a 5xx; fallback (degraded) answers come in one
 * short burst between the master's death and the app reaching the promoted replica; then decisions are Redis's again.
 */
class SentinelFailoverUnderHttpLoadTest {

    /** Concurrent closed-loop clients. */
    static final int SLOTS = 16;
    /** Pause between a client's requests (bounded load, not saturation). */
    static final Duration THINK = Duration.ofMillis(10);
    /** The master is killed this long after the load starts (the first part warms the JVM up). */
    static final long KILL_AT_MS = 2_000;
    /**
     * Upper bound on the fallback burst: sentinel down-after 1 s + election and promotion (measured 2-3 s) + the
     * store's reconnect back-off (≤ 1 s) + breaker cool-down (1 s), with room for a busy machine.
     */
    static final long MAX_BURST_MS = 12_000;
    /** Load keeps running this long after the first non-degraded answer, to show no second burst follows. */
    static final long AFTER_RECOVERY_MS = 1_500;
    /** The load runs this long: until the longest burst allowed has ended, and a little after. */
    static final Duration LOAD_FOR = Duration.ofMillis(KILL_AT_MS + MAX_BURST_MS + AFTER_RECOVERY_MS);
    /**
     * Per-call store timeout: 300 ms rather than 100 ms because this test is about the failover, not latency; a
     * tight timeout on a busy 2-core machine would add stray degraded answers outside the burst.
     */
    static final String TIMEOUT = "300ms";

    @TempDir
    Path dir;

    @Test
    void failoverShowsOnlyAShortFallbackBurst() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start();
             ConfigurableApplicationContext app = HttpLoad.startApp(
                     "tollgate.redis.url=" + group.url(),
                     "tollgate.redis.timeout=" + TIMEOUT,
                     "tollgate.failure-policy=fail-open",
                     "tollgate.breaker.failure-threshold=5",
                     "tollgate.breaker.cool-down=1s",
                     "tollgate.trusted-proxies=127.0.0.1/32",
                     // generous, so that every decision is an allow unless the store fails
                     "tollgate.rules.default.capacity=1000000",
                     "tollgate.rules.default.refill-rate=1000000")) {
            RedisServer oldMaster = group.currentMaster();
            try (LoadClientProcess load = HttpLoad.start(dir, List.of(HttpLoad.baseUrl(app) + "/failover"), SLOTS,
                    SLOTS, 0, LOAD_FOR, THINK)) {
                long runStart = load.awaitStart(Duration.ofSeconds(60));
                HttpLoad.sleepUntil(runStart + TimeUnit.MILLISECONDS.toNanos(KILL_AT_MS));
                long killedAt = System.nanoTime();
                oldMaster.kill();
                RedisServer newMaster = group.awaitFailover(oldMaster);
                long promotedAt = System.nanoTime();
                List<Sample> samples = load.await(LOAD_FOR.plusSeconds(60)).samples();
                Optional<Sample> recovered = samples.stream()
                        .filter(s -> s.startNanos() >= promotedAt && s.status() == 200 && s.degraded() == null)
                        .min((a, b) -> Long.compare(a.endNanos(), b.endNanos()));
                assertThat(recovered).as("a non-degraded answer after the failover").isPresent();

                List<Sample> degraded = samples.stream().filter(s -> s.degraded() != null).toList();
                long burstStart = degraded.stream().mapToLong(Sample::startNanos).min().orElse(killedAt);
                long burstEnd = degraded.stream().mapToLong(Sample::endNanos).max().orElse(killedAt);
                long recoveredAt = recovered.get().endNanos();
                System.out.printf("SENTINEL failover under HTTP load: %d requests (%.0f req/s), statuses %s; fallback"
                                + " burst %d responses over %d ms (first %d ms, last %d ms after the kill); sentinels"
                                + " agreed on the new master %d ms after the kill; first Redis decision %d ms after"
                                + " the kill; new master %s (was %s); breaker opened %.0fx; slow on server %s%n",
                        samples.size(), samples.size() * 1e9 / (System.nanoTime() - runStart),
                        LoadClientProcess.Result.statusCounts(samples), degraded.size(),
                        millisSince(burstStart, burstEnd), millisSince(killedAt, burstStart),
                        millisSince(killedAt, burstEnd), millisSince(killedAt, promotedAt),
                        millisSince(killedAt, recoveredAt), newMaster, oldMaster, HttpLoad.breakerOpened(app),
                        HttpLoad.slowOnServer(app));

                assertThat(newMaster).isNotNull().isNotEqualTo(oldMaster);
                assertThat(samples.stream().filter(s -> s.status() != 200).limit(5).toList())
                        .as("every answer is a 200 (fail-open, fresh identities): no 5xx, no lost request").isEmpty();
                assertThat(degraded).as("fallback answers while the master is gone").isNotEmpty()
                        .allMatch(s -> s.degraded().equals("fail-open"));
                assertThat(degraded.stream().filter(s -> s.endNanos() < killedAt).limit(5).toList())
                        .as("no fallback answered before the kill").isEmpty();
                assertThat(millisSince(killedAt, burstEnd)).as("the burst ends within %d ms of the kill", MAX_BURST_MS)
                        .isLessThanOrEqualTo(MAX_BURST_MS);
                // One burst: nothing degraded that started after the first Redis decision (plus in-flight stragglers).
                assertThat(degraded.stream().filter(s -> s.startNanos() > recoveredAt).limit(5).toList())
                        .as("degraded answers after decisions resumed on the new master").isEmpty();
                assertThat(samples.stream().filter(s -> s.startNanos() > recoveredAt && s.degraded() == null).count())
                        .as("decisions on the new master after the failover").isPositive();
            }
        }
    }
}
