package io.tollgate.spring.faults;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.spring.redisapp.RedisTestApplication;
import io.tollgate.testsupport.load.LoadClientProcess;
import io.tollgate.testsupport.load.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Mono;

/**
 * Shared pieces of the HTTP fault and load tests: a real WebFlux app on a random port, the load client in a process of
 * its own ({@link LoadClientProcess}: closed loops over HTTP/1.1 keep-alive connections, every request accounted
 * for), and metric look-ups.
 *
 * <p>The load client runs outside this JVM on purpose. An in-JVM Reactor Netty client shared the app's CPU and event
 * loop threads, and what looked like a lost request could not be told apart from a client fault.
 */
final class HttpLoad {

    static final String DEGRADED = "X-RateLimit-Degraded";

    /**
     * Client-side bound on one exchange: far above every latency asserted here, so a request that gets no answer
     * shows up as a lost sample instead of hanging the test.
     */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);

    private HttpLoad() {
    }

    /**
     * Starts the load client: {@code connections} closed loops without think time unless {@code think} says
     * otherwise, connection {@code c} as identity {@code identityOffset + c % identities} against target
     * {@code (c / identities) % targets}, for {@code duration}.
     */
    static LoadClientProcess start(Path dir, List<String> urls, int connections, int identities, int identityOffset,
            Duration duration, Duration think) {
        return LoadClientProcess.start(dir, List.of("--targets", String.join(",", urls),
                "--identities", Integer.toString(identities), "--identity-offset", Integer.toString(identityOffset),
                "--phase", connections + ":" + duration.toMillis() + "ms", "--think", Long.toString(think.toMillis()),
                "--timeout", RESPONSE_TIMEOUT.toMillis() + "ms", "--out", "samples-" + System.nanoTime() + ".txt"));
    }

    /** The q-quantile (0 < q ≤ 1) of the latencies in ms, nearest rank; -1 for no samples. */
    static long percentile(List<Sample> samples, double q) {
        return samples.isEmpty() ? -1 : (long) LoadClientProcess.Result.percentileMillis(samples, q);
    }

    /** Boots the test app (WebFlux, random port) with the given {@code key=value} properties added to a few defaults. */
    static ConfigurableApplicationContext startApp(String... properties) {
        List<String> props = new ArrayList<>(List.of(
                "spring.main.web-application-type=reactive",
                "spring.main.banner-mode=off",
                "server.port=0",
                // startup only: a cold JVM on a busy machine can need more than the default 2 s for the first connect
                "tollgate.redis.connect-timeout=10s",
                "tollgate.log.denials=false", // thousands of denials per second would only load the machine
                "logging.level.io.tollgate=WARN"));
        props.addAll(Arrays.asList(properties));
        return new SpringApplicationBuilder(RedisTestApplication.class).properties(props.toArray(String[]::new))
                .initializers(ctx -> {
                    org.springframework.context.support.GenericApplicationContext g =
                            (org.springframework.context.support.GenericApplicationContext) ctx;
                    g.registerBean(InFlight.class, InFlight::new);
                    g.registerBean(LimiterWaits.class, LimiterWaits::new);
                })
                .run();
    }

    /**
     * Diagnostics: exchanges the server held for more than a second (XFF, how they ended, how long), so that a request
     * without a response can be attributed to the server (listed) or to the client / connection (not listed).
     */
    static final class InFlight implements org.springframework.web.server.WebFilter, org.springframework.core.Ordered {
        final ConcurrentLinkedQueue<String> slow = new ConcurrentLinkedQueue<>();

        @Override
        public Mono<Void> filter(org.springframework.web.server.ServerWebExchange exchange,
                                 org.springframework.web.server.WebFilterChain chain) {
            long start = System.nanoTime();
            return chain.filter(exchange).doFinally(signal -> {
                long ms = (System.nanoTime() - start) / 1_000_000;
                if (ms > 1_000) {
                    slow.add(exchange.getRequest().getHeaders().getFirst("X-Forwarded-For") + " " + signal + " after "
                            + ms + " ms");
                }
            });
        }

        @Override
        public int getOrder() {
            return HIGHEST_PRECEDENCE;
        }
    }

    static List<String> slowOnServer(ConfigurableApplicationContext ctx) {
        return new ArrayList<>(ctx.getBean(InFlight.class).slow);
    }

    /** Server side: how long each verdict waited for the store chain (start nanos, wait nanos). */
    static final class LimiterWaits implements io.tollgate.core.limiter.LimiterListener {
        final ConcurrentLinkedQueue<long[]> waits = new ConcurrentLinkedQueue<>();

        @Override
        public void onVerdict(io.tollgate.core.limiter.Verdict v) {
            waits.add(new long[] {System.nanoTime() - v.storeNanos(), v.storeNanos()});
        }

        /** Wait quantile in ms for verdicts whose check started in [from, to). */
        long percentileMillis(long from, long to, double q) {
            long[] ms = waits.stream().filter(w -> w[0] >= from && w[0] < to).mapToLong(w -> w[1] / 1_000_000)
                    .sorted().toArray();
            return ms.length == 0 ? -1 : ms[Math.max(0, (int) Math.ceil(q * ms.length) - 1)];
        }
    }

    static LimiterWaits limiterWaits(ConfigurableApplicationContext ctx) {
        return ctx.getBean(LimiterWaits.class);
    }

    static int port(ConfigurableApplicationContext ctx) {
        return ((WebServerApplicationContext) ctx).getWebServer().getPort();
    }

    static String baseUrl(ConfigurableApplicationContext ctx) {
        return "http://127.0.0.1:" + port(ctx);
    }

    /** Sum of {@code tollgate.decisions} counters matching the tags (key, value pairs). */
    static double decisions(ConfigurableApplicationContext ctx, String... tags) {
        return ctx.getBean(MeterRegistry.class).find("tollgate.decisions").tags(tags).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    static double breakerOpened(ConfigurableApplicationContext ctx) {
        FunctionCounter c = ctx.getBean(MeterRegistry.class).find("tollgate.breaker.opened").functionCounter();
        return c == null ? 0 : c.count();
    }

    static double denyCacheLocalDenials(ConfigurableApplicationContext ctx) {
        FunctionCounter c = ctx.getBean(MeterRegistry.class).find("tollgate.deny_cache.local_denials").functionCounter();
        return c == null ? 0 : c.count();
    }

    /** The XFF value for an identity index: a distinct IPv4 address in 10.0.0.0/8. */
    static String xff(int identity) {
        return "10." + ((identity >> 16) & 0xff) + "." + ((identity >> 8) & 0xff) + "." + (identity & 0xff);
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanoTime - System.nanoTime());
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    static long millisSince(long startNanos, long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos - startNanos);
    }
}
