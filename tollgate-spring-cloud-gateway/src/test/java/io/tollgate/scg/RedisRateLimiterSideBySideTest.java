package io.tollgate.scg;

import static io.tollgate.scg.Client.count;
import static io.tollgate.scg.Client.header;
import static io.tollgate.scg.RedisTime.SECOND;
import static io.tollgate.scg.app.GatewayTestApplication.USER_HEADER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tollgate.scg.Gateway.Route;
import io.tollgate.testsupport.redis.RedisServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;

/**
 * SCG's own RedisRateLimiter and Tollgate side by side: one gateway, one redis-server (Tollgate's Redis store and
 * Spring Data Redis both on it), one upstream, pairs of routes with the same settings and the same key resolver
 * (the {@code X-User} header). The Tollgate routes of a pair differ from SCG's only by {@code rate-limiter}.
 *
 * <p>Timing is taken from the Redis server's clock, the one both limiters decide on. Each comparison places its
 * requests on that clock and checks afterwards that they landed where intended; one that did not (a stall on a loaded
 * machine) is repeated with fresh keys, a bounded number of times. Measured figures are printed as "MEASURED".
 */
@Timeout(180)
class RedisRateLimiterSideBySideTest {

    private static RedisServer redis;
    private static RedisTime time;
    private static Upstream upstream;
    private static Gateway gateway;
    private static Client client;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        time = new RedisTime(redis.uri());
        upstream = Upstream.start();
        String scg = "#{@redisRateLimiter}";
        String tollgate = "#{@tollgateGatewayRateLimiter}";
        gateway = Gateway.start(upstream.uri(), true, List.of(
                        Route.of("scg-burst", "rate-limiter", scg, "redis-rate-limiter.replenishRate", "10",
                                "redis-rate-limiter.burstCapacity", "20", "redis-rate-limiter.requestedTokens", "1"),
                        // the one-bean switch: RedisRateLimiter's own settings, Tollgate's limiter
                        Route.of("tollgate-burst", "rate-limiter", tollgate, "redis-rate-limiter.replenishRate", "10",
                                "redis-rate-limiter.burstCapacity", "20", "redis-rate-limiter.requestedTokens", "1"),
                        Route.of("scg-sub", "rate-limiter", scg, "redis-rate-limiter.replenishRate", "2",
                                "redis-rate-limiter.burstCapacity", "1", "redis-rate-limiter.requestedTokens", "1"),
                        Route.of("tollgate-sub", "rate-limiter", tollgate, "tollgate.replenishRate", "2",
                                "tollgate.burstCapacity", "1", "tollgate.requestedTokens", "1")),
                "spring.data.redis.url=" + redis.url(),
                "tollgate.redis.url=" + redis.url(),
                // generous: a slow answer on a loaded machine must not turn into a fail-open decision
                "tollgate.redis.timeout=2s");
        client = new Client(gateway.port());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (time != null) {
            time.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static String user() {
        return UUID.randomUUID().toString();
    }

    @Test
    void redisRateLimiterStaysTheFiltersDefaultAndTollgateIsChosenByReference() {
        assertThat(gateway.context().getBean(RequestRateLimiterGatewayFilterFactory.class).getDefaultRateLimiter())
                .isInstanceOf(RedisRateLimiter.class);
        assertThat(gateway.context().getBean(TollgateRateLimiter.BEAN_NAME)).isInstanceOf(TollgateRateLimiter.class);
    }

    /**
     * replenishRate 10, burstCapacity 20, a burst of 30 per route sent at once: both admit exactly 20. "At once" is
     * made exact on the Redis clock: the server is frozen (SIGSTOP) while the 60 requests reach it, then thawed, so it
     * runs every queued script back to back. MONITOR records when each ran; the counts are asserted when Tollgate's
     * scripts ran within 100 ms (less than one token of refill) and RedisRateLimiter's within one Redis second.
     */
    @Test
    void aBurstSentAtOnceGetsTheSameTwentyAdmissionsFromBoth() throws InterruptedException {
        int n = 30;
        warmUp(2 * n);
        for (int attempt = 1; attempt <= 3; attempt++) {
            String user = user();
            int scgBefore = upstream.hits("scg-burst");
            int tollgateBefore = upstream.hits("tollgate-burst");
            List<HttpResponse<String>> scgResponses;
            List<HttpResponse<String>> tollgateResponses;
            List<Long> scgRuns;
            List<Long> tollgateRuns;
            try (RedisMonitor monitor = new RedisMonitor(redis.port())) {
                long t0 = time.awaitPhase(350_000, 450_000);
                // the thaw: 150 ms into the next Redis second (the host's clock, which Redis TIME reads)
                long thaw = (t0 / SECOND + 1) * SECOND + 150_000;
                List<CompletableFuture<HttpResponse<String>>> scg = new ArrayList<>();
                List<CompletableFuture<HttpResponse<String>>> tollgate = new ArrayList<>();
                redis.pause();
                try {
                    for (int i = 0; i < n; i++) {
                        scg.add(client.send("/scg-burst/x", USER_HEADER, user));
                        tollgate.add(client.send("/tollgate-burst/x", USER_HEADER, user));
                    }
                    // ~0.7 s for the requests to reach the frozen server, under tollgate.redis.timeout
                    Thread.sleep(Math.max(0, thaw / 1000 - System.currentTimeMillis()));
                } finally {
                    redis.resume();
                }
                scgResponses = scg.stream().map(CompletableFuture::join).toList();
                tollgateResponses = tollgate.stream().map(CompletableFuture::join).toList();
                time.micros(); // after every script, so the monitor has printed them
                scgRuns = monitor.scriptRuns("request_rate_limiter.{scg-burst." + user + "}");
                tollgateRuns = monitor.scriptRuns(RouteKeys.clientKey("tollgate-burst", user));
            }
            long scgAllowed = count(scgResponses, 200);
            long tollgateAllowed = count(tollgateResponses, 200);
            assertThat(count(scgResponses, 429)).isEqualTo(n - scgAllowed);
            assertThat(count(tollgateResponses, 429)).isEqualTo(n - tollgateAllowed);
            assertThat(tollgateResponses).allSatisfy(r -> assertThat(header(r, "X-RateLimit-Degraded")).isNull());
            // what was admitted reached the upstream, nothing else did
            assertThat(upstream.hits("scg-burst") - scgBefore).isEqualTo((int) scgAllowed);
            assertThat(upstream.hits("tollgate-burst") - tollgateBefore).isEqualTo((int) tollgateAllowed);
            long tollgateSpan = span(tollgateRuns);
            boolean scgOneSecond = scgRuns.stream().map(t -> t / SECOND).distinct().count() == 1;
            System.out.printf("MEASURED burst of %d per route at once (replenishRate 10, burstCapacity 20): "
                            + "RedisRateLimiter admitted %d (%d script runs, one Redis second: %s), Tollgate %d "
                            + "(%d script runs within %d us)%n", n, scgAllowed, scgRuns.size(), scgOneSecond,
                    tollgateAllowed, tollgateRuns.size(), tollgateSpan);
            assertThat(scgRuns).hasSize(n); // one script per request
            assertThat(tollgateRuns).isNotEmpty();
            if (scgOneSecond && tollgateSpan < 100_000) {
                assertThat(scgAllowed).isEqualTo(20);
                assertThat(tollgateAllowed).isEqualTo(20);
                return;
            }
        }
        fail("no attempt ran its scripts within 100 ms of Redis time");
    }

    /**
     * The same pair without freezing Redis, as a client sees it on this machine: the requests reach Redis over a
     * span of time. RedisRateLimiter refills nothing within a Redis second; Tollgate refills a token per 100 ms of
     * that span, as a token bucket of 10/s should, so it may admit a little more than 20.
     */
    @Test
    void aBurstSpreadOverTimeRefillsTollgateContinuouslyAndRedisRateLimiterNotAtAll() throws InterruptedException {
        int n = 30;
        warmUp(2 * n);
        String user = user();
        List<Long> tollgateRuns;
        long scgAllowed;
        long tollgateAllowed;
        boolean scgOneSecond;
        try (RedisMonitor monitor = new RedisMonitor(redis.port())) {
            time.awaitPhase(0, 300_000);
            List<CompletableFuture<HttpResponse<String>>> scg = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> tollgate = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                scg.add(client.send("/scg-burst/x", USER_HEADER, user));
                tollgate.add(client.send("/tollgate-burst/x", USER_HEADER, user));
            }
            scgAllowed = count(scg.stream().map(CompletableFuture::join).toList(), 200);
            tollgateAllowed = count(tollgate.stream().map(CompletableFuture::join).toList(), 200);
            time.micros();
            scgOneSecond = monitor.scriptRuns("request_rate_limiter.{scg-burst." + user + "}").stream()
                    .map(t -> t / SECOND).distinct().count() == 1;
            tollgateRuns = monitor.scriptRuns(RouteKeys.clientKey("tollgate-burst", user));
        }
        long span = span(tollgateRuns);
        System.out.printf("MEASURED burst of %d per route, Redis not frozen: RedisRateLimiter admitted %d (one Redis"
                + " second: %s), Tollgate %d (its scripts over %d ms)%n", n, scgAllowed, scgOneSecond, tollgateAllowed,
                span / 1000);
        assertThat(tollgateAllowed).isBetween(20L, 20 + span * 10 / SECOND + 1);
        if (scgOneSecond) {
            assertThat(scgAllowed).isEqualTo(20);
        }
    }

    private static void warmUp(int connections) {
        // opens the client's connections, so the measured burst does not wait for TCP handshakes
        String user = user();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            all.add(client.send("/tollgate-burst/warm-up", USER_HEADER, user));
        }
        all.forEach(CompletableFuture::join);
    }

    private static long span(List<Long> times) {
        return times.isEmpty() ? 0 : times.stream().mapToLong(Long::longValue).max().getAsLong()
                - times.stream().mapToLong(Long::longValue).min().getAsLong();
    }

    /**
     * replenishRate 2, burstCapacity 1: one token every 0.5 s. Drained just after a Redis second began, probed 0.52 s
     * later in the same Redis second: Tollgate has refilled a token and allows; RedisRateLimiter, whose script keeps
     * whole seconds (TIME's seconds only), has refilled nothing and denies until the second ends.
     */
    @Test
    void subSecondRefillAllowsWhereRedisRateLimitersWholeSecondClockDoesNot() throws InterruptedException {
        for (int attempt = 1; attempt <= 5; attempt++) {
            String user = user();
            long t0 = time.awaitPhase(20_000, 150_000);
            List<HttpResponse<String>> drain = both("/x", user);
            assertThat(drain).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
            long t1 = time.micros();
            long p0 = time.awaitAtLeast(t1 + 520_000);
            List<HttpResponse<String>> probe = both("/x", user);
            long p1 = time.micros();
            if (t0 / SECOND != p1 / SECOND) {
                System.out.println("MEASURED sub-second attempt " + attempt + " crossed a Redis second; repeated");
                continue;
            }
            System.out.printf("MEASURED replenishRate 2, burstCapacity 1, probe %d..%d ms after the drain, same Redis"
                            + " second: RedisRateLimiter %d, Tollgate %d (Retry-After of RedisRateLimiter: %s)%n",
                    (p0 - t1) / 1000, (p1 - t0) / 1000, probe.get(0).statusCode(), probe.get(1).statusCode(),
                    header(probe.get(0), "Retry-After"));
            assertThat(probe.get(1).statusCode()).as("Tollgate, 0.5 s per token").isEqualTo(200);
            assertThat(probe.get(0).statusCode()).as("RedisRateLimiter, same second").isEqualTo(429);
            return;
        }
        fail("no attempt fitted in one Redis second");
    }

    /**
     * The other side of the whole-second clock: drained late in a Redis second and probed just after it ended, under
     * 0.5 s later. RedisRateLimiter counts a whole second and refills (2 tokens, capped at 1): allowed. Tollgate has
     * refilled under one token: denied, with a Retry-After of 1.
     */
    @Test
    void aSecondBoundaryRefillsRedisRateLimiterEarlyWhileTollgateWaitsTheRealTime() throws InterruptedException {
        for (int attempt = 1; attempt <= 5; attempt++) {
            String user = user();
            long t0 = time.awaitPhase(700_000, 800_000);
            List<HttpResponse<String>> drain = both("/x", user);
            assertThat(drain).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
            long t1 = time.micros();
            long p0 = time.awaitAtLeast((t1 / SECOND + 1) * SECOND + 10_000);
            List<HttpResponse<String>> probe = both("/x", user);
            long p1 = time.micros();
            if (t0 / SECOND != t1 / SECOND || p1 - t0 >= 500_000) {
                System.out.println("MEASURED boundary attempt " + attempt + " did not fit (drain across a second, or"
                        + " probe 0.5 s or more after it); repeated");
                continue;
            }
            System.out.printf("MEASURED replenishRate 2, burstCapacity 1, drained at %d ms into a Redis second, probed"
                            + " %d..%d ms later in the next one: RedisRateLimiter %d, Tollgate %d%n", (t0 % SECOND) / 1000,
                    (p0 - t1) / 1000, (p1 - t0) / 1000, probe.get(0).statusCode(), probe.get(1).statusCode());
            assertThat(probe.get(0).statusCode()).as("RedisRateLimiter, next second").isEqualTo(200);
            assertThat(probe.get(1).statusCode()).as("Tollgate, under 0.5 s").isEqualTo(429);
            assertThat(header(probe.get(1), "Retry-After")).isEqualTo("1");
            return;
        }
        fail("no attempt fitted around a Redis second boundary");
    }

    @Test
    void tollgateSendsIetfHeadersAndRetryAfterWhereRedisRateLimiterSendsItsOwnOnly() {
        String user = user();
        HttpResponse<String> ok = client.get("/tollgate-burst/h", USER_HEADER, user);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(header(ok, "RateLimit-Policy")).isEqualTo("\"tollgate-burst\";q=20;w=2");
        assertThat(header(ok, "RateLimit")).isEqualTo("\"tollgate-burst\";r=19;t=1");
        assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo("19");
        assertThat(header(ok, "X-RateLimit-Replenish-Rate")).isEqualTo("10");
        assertThat(header(ok, "X-RateLimit-Burst-Capacity")).isEqualTo("20");
        assertThat(header(ok, "X-RateLimit-Requested-Tokens")).isEqualTo("1");
        assertThat(header(ok, "Retry-After")).isNull();
        HttpResponse<String> denied = drainUntilDenied("/tollgate-burst/h", user);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(header(denied, "Retry-After")).isEqualTo("1");
        assertThat(header(denied, "RateLimit")).isEqualTo("\"tollgate-burst\";r=0;t=1");
        assertThat(header(denied, "RateLimit-Policy")).isEqualTo("\"tollgate-burst\";q=20;w=2");
        assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");

        HttpResponse<String> scgOk = client.get("/scg-burst/h", USER_HEADER, user);
        assertThat(scgOk.statusCode()).isEqualTo(200);
        assertThat(header(scgOk, "X-RateLimit-Remaining")).isEqualTo("19");
        assertThat(header(scgOk, "RateLimit")).isNull();
        assertThat(header(scgOk, "RateLimit-Policy")).isNull();
        HttpResponse<String> scgDenied = drainUntilDenied("/scg-burst/h", user);
        assertThat(scgDenied.statusCode()).isEqualTo(429);
        assertThat(header(scgDenied, "Retry-After")).isNull();
        assertThat(header(scgDenied, "RateLimit")).isNull();
        System.out.println("MEASURED RedisRateLimiter 429 headers: " + scgDenied.headers().map().keySet());
        System.out.println("MEASURED Tollgate 429 headers: " + denied.headers().map().keySet());
    }

    @Test
    void tollgateKeepsNoRawKeyResolverIdInRedisWhereRedisRateLimiterDoes() {
        String user = "user-" + UUID.randomUUID();
        assertThat(client.get("/tollgate-sub/k", USER_HEADER, user).statusCode()).isEqualTo(200);
        assertThat(client.get("/scg-sub/k", USER_HEADER, user).statusCode()).isEqualTo(200);
        List<String> keys = time.keys();
        List<String> withId = keys.stream().filter(k -> k.contains(user)).toList();
        System.out.println("MEASURED Redis keys holding the raw id: " + withId);
        assertThat(withId).isNotEmpty().allSatisfy(k -> assertThat(k).startsWith("request_rate_limiter.{scg-sub."));
        assertThat(keys).anySatisfy(k -> assertThat(k).contains("{tollgate-sub:scg:tollgate-sub:hk:"));
    }

    /** The same path under scg-sub and tollgate-sub, sent at once; responses in that order. */
    private static List<HttpResponse<String>> both(String path, String user) {
        CompletableFuture<HttpResponse<String>> scg = client.send("/scg-sub" + path, USER_HEADER, user);
        CompletableFuture<HttpResponse<String>> tollgate = client.send("/tollgate-sub" + path, USER_HEADER, user);
        return List.of(scg.join(), tollgate.join());
    }

    private static HttpResponse<String> drainUntilDenied(String path, String user) {
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = client.get(path, USER_HEADER, user);
            if (r.statusCode() != 200) {
                return r;
            }
        }
        throw new AssertionError("never denied: " + path);
    }
}
