package io.tollgate.spring.faults;

import static io.tollgate.spring.faults.HttpLoad.millisSince;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.redis.testing.RedisSentinelGroup;
import io.tollgate.redis.testing.RedisServer;
import io.tollgate.spring.faults.HttpLoad.Run;
import io.tollgate.spring.faults.HttpLoad.Sample;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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
    /** Hard bounds on the load. */
    static final Duration MAX_LOAD = Duration.ofSeconds(30);
    static final long MAX_REQUESTS = 60_000;
    /**
     * Per-call store timeout: 300 ms rather than 100 ms because this test is about the failover, not latency; a
     * tight timeout on a busy 2-core machine would add stray degraded answers outside the burst.
     */
    static final String TIMEOUT = "300ms";

    @Test
    void failoverShowsOnlyAShortFallbackBurst() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start();
             ConfigurableApplicationContext app = HttpLoad.startApp(
                     "tollgate.redis.url=" + group.url(),
                     "tollgate.redis.timeout=" + TIMEOUT,
                     "tollgate.failure-policy=fail-open",
                     "tollgate.breaker.failure-threshold=5",
                     "tollgate.breaker.cool-down=1s",
                     "tollgate.trusted-proxies=127.0.0.1/32");
             HttpLoad load = new HttpLoad(SLOTS)) {
            RedisServer oldMaster = group.currentMaster();
            String url = HttpLoad.baseUrl(app) + "/failover";
            Run run = load.start(SLOTS, slot -> url, (slot, n) -> (int) n, MAX_LOAD, MAX_REQUESTS, THINK);
            try {
                HttpLoad.sleepUntil(run.startNanos + TimeUnit.MILLISECONDS.toNanos(KILL_AT_MS));
                long killedAt = System.nanoTime();
                oldMaster.kill();
                RedisServer newMaster = group.awaitFailover(oldMaster);
                long promotedAt = System.nanoTime();
                Optional<Sample> recovered = Optional.empty();
                long deadline = killedAt + TimeUnit.MILLISECONDS.toNanos(MAX_BURST_MS);
                while (recovered.isEmpty() && System.nanoTime() < deadline) {
                    recovered = run.snapshot().stream()
                            .filter(s -> s.startNanos() >= promotedAt && s.ok() && s.degraded() == null)
                            .min((a, b) -> Long.compare(a.endNanos(), b.endNanos()));
                    Thread.sleep(50);
                }
                assertThat(recovered).as("a non-degraded answer after the failover").isPresent();
                Thread.sleep(AFTER_RECOVERY_MS);
                run.stop();
                List<Sample> samples = run.await(Duration.ofSeconds(20));

                List<Sample> degraded = samples.stream().filter(s -> s.degraded() != null).toList();
                long burstStart = degraded.stream().mapToLong(Sample::startNanos).min().orElse(killedAt);
                long burstEnd = degraded.stream().mapToLong(Sample::endNanos).max().orElse(killedAt);
                long recoveredAt = recovered.get().endNanos();
                System.out.printf("SENTINEL failover under HTTP load: %d requests (%.0f req/s), statuses %s; fallback"
                                + " burst %d responses over %d ms (first %d ms, last %d ms after the kill); sentinels"
                                + " agreed on the new master %d ms after the kill; first Redis decision %d ms after"
                                + " the kill; new master %s (was %s); breaker opened %.0fx; slow on server %s%n",
                        samples.size(), samples.size() * 1e9 / (System.nanoTime() - run.startNanos),
                        RedisOutageUnderLoadTest.statusCounts(samples), degraded.size(),
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
            } finally {
                run.stop();
            }
        }
    }
}
