package io.tollgate.spring.faults;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.spring.redisapp.RedisTestApplication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.LongPredicate;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Shared pieces of the HTTP fault and load tests: a real WebFlux app on a random port, a bounded closed-loop load
 * generator on Reactor Netty's client (HTTP/1.1, one pooled connection per concurrent slot), samples with exact
 * start/end times, and metric look-ups.
 */
final class HttpLoad implements AutoCloseable {

    static final String DEGRADED = "X-RateLimit-Degraded";

    /** One HTTP exchange as the client saw it; {@code status} is -1 when the client got no response. */
    record Sample(int slot, int identity, long startNanos, long endNanos, int status, String degraded,
                  String retryAfter, String error) {

        long latencyMillis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }

        boolean ok() {
            return status == 200;
        }
    }

    /**
     * Client-side bound on one exchange: far above every latency asserted here, so a request that times out shows up
     * as status -1 instead of hanging the test.
     */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(5);

    private final ConnectionProvider provider;
    private final HttpClient client;

    /** @param maxConnections per app: at least the number of concurrent slots aimed at one app */
    HttpLoad(int maxConnections) {
        provider = ConnectionProvider.builder("tollgate-load").maxConnections(maxConnections)
                .pendingAcquireMaxCount(-1).pendingAcquireTimeout(Duration.ofSeconds(30)).build();
        // A response timeout well above any bound asserted here: a stuck request shows up as status -1, not a hang.
        client = HttpClient.create(provider).protocol(HttpProtocol.HTTP11).responseTimeout(RESPONSE_TIMEOUT);
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

    /** A running load; {@link #await} returns its samples. */
    static final class Run {
        final long startNanos = System.nanoTime();
        final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        final AtomicLong issued = new AtomicLong();
        private volatile boolean stopped;
        private CompletableFuture<Void> done;

        /** Lets every loop finish its current request and end. */
        void stop() {
            stopped = true;
        }

        List<Sample> await(Duration bound) throws Exception {
            done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return new ArrayList<>(samples);
        }

        /** Samples so far (the load keeps running). */
        List<Sample> snapshot() {
            return new ArrayList<>(samples);
        }
    }

    /**
     * Starts {@code slots} closed loops: each sends GET {@code url(slot)} with {@code X-Forwarded-For:
     * identity(slot, n)}, waits for the answer, pauses {@code think}, and repeats while the run is younger than
     * {@code duration} and fewer than {@code maxRequests} requests were issued in total.
     *
     * @param identity  maps (slot, request number of the run) to an identity index; the XFF value is derived from it
     */
    Run start(int slots, IntFunction<String> url, IdentityChooser identity, Duration duration, long maxRequests,
              Duration think) {
        Run run = new Run();
        long deadline = run.startNanos + duration.toNanos();
        LongPredicate more = n -> !run.stopped && System.nanoTime() < deadline && n < maxRequests;
        run.done = Flux.range(0, slots)
                .flatMap(slot -> Mono.defer(() -> one(run, slot, url.apply(slot), identity.choose(slot,
                                run.issued.getAndIncrement())))
                        .then(think.isZero() ? Mono.empty() : Mono.delay(think).then())
                        .repeat(() -> more.test(run.issued.get())), slots)
                .then().toFuture();
        return run;
    }

    @FunctionalInterface
    interface IdentityChooser {
        int choose(int slot, long requestNumber);
    }

    /** The XFF value for an identity index: a distinct IPv4 address in 10.0.0.0/8. */
    static String xff(int identity) {
        return "10." + ((identity >> 16) & 0xff) + "." + ((identity >> 8) & 0xff) + "." + (identity & 0xff);
    }

    private Mono<Void> one(Run run, int slot, String url, int identity) {
        long start = System.nanoTime();
        return client.headers(h -> h.set("X-Forwarded-For", xff(identity))).get().uri(url)
                .responseSingle((resp, body) -> body.asString().defaultIfEmpty("").map(b -> new Sample(slot, identity,
                        start, System.nanoTime(), resp.status().code(), resp.responseHeaders().get(DEGRADED),
                        resp.responseHeaders().get("Retry-After"), null)))
                .onErrorResume(e -> Mono.just(new Sample(slot, identity, start, System.nanoTime(), -1, null, null,
                        e + " (XFF " + xff(identity) + ", started " + millisSince(run.startNanos, start) + " ms into the run)")))
                .doOnNext(run.samples::add)
                .then();
    }

    /** The q-quantile (0 < q ≤ 1) of the latencies in ms, nearest-rank; -1 for no samples. */
    static long percentile(List<Sample> samples, double q) {
        long[] ms = samples.stream().mapToLong(Sample::latencyMillis).sorted().toArray();
        if (ms.length == 0) {
            return -1;
        }
        return ms[Math.max(0, (int) Math.ceil(q * ms.length) - 1)];
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

    @Override
    public void close() {
        provider.disposeLater().block(Duration.ofSeconds(5));
    }
}
