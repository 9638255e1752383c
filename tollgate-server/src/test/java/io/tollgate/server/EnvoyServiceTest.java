package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tollgate.server.envoy.EnvoyGrpcLifecycle;
import io.tollgate.testsupport.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Envoy rate-limit service in the real server: gRPC on a free port, Envoy's generated stubs as the client, a real
 * redis-server behind it, {@code /json} and {@code /rlconfig} on the HTTP port.
 */
class EnvoyServiceTest {

    private static final String RULES = Path.of("..", "rate_limits.json").toAbsolutePath().normalize().toString();

    private static final String EDGE = """
            domain: edge
            descriptors:
              - key: remote_address
                rate_limit: {unit: minute, requests_per_unit: 3, name: per-ip}
              - key: user
                rate_limit: {unit: minute, requests_per_unit: 10}
              - key: hot
                rate_limit: {unit: second, requests_per_unit: 50}
              - key: warm
                rate_limit: {unit: second, requests_per_unit: 1000000}
            """;

    private static RedisServer redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** One server instance: its context, gRPC channel and HTTP port. */
    private record Instance(ConfigurableApplicationContext context, ManagedChannel channel, int httpPort)
            implements AutoCloseable {

        RateLimitServiceGrpc.RateLimitServiceBlockingStub blocking() {
            return RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        }

        HttpResponse<String> post(String path, String body) throws Exception {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        String get(String path) throws Exception {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            context.close();
        }
    }

    private Instance start(Path runtimeRoot, Map<String, String> extra) {
        Map<String, Object> props = new java.util.HashMap<>(Map.of(
                "server.port", "0",
                "tollgate.rules-file", RULES,
                "tollgate.redis.url", redis.url(),
                // a cold JVM on 2 cores can be slower than 100 ms; that must not look like a Redis failure here
                "tollgate.redis.timeout", "5s",
                "tollgate.envoy.enabled", "true",
                "tollgate.envoy.runtime-root", runtimeRoot.toString(),
                "tollgate.envoy.grpc-host", "127.0.0.1",
                "tollgate.envoy.grpc-port", "0",
                "tollgate.envoy.reload-interval", "100ms"));
        props.putAll(extra);
        // as arguments: they must win over application.properties, which builder defaults would not
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(TollgateServer.class).run(args);
        int grpc = ctx.getBean(EnvoyGrpcLifecycle.class).port();
        int http = Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port"));
        return new Instance(ctx, NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build(), http);
    }

    private Path runtime(String name, String yaml) throws Exception {
        Path root = dir.resolve(name);
        Files.createDirectories(root.resolve("config"));
        Files.writeString(root.resolve("config").resolve("edge.yaml"), yaml);
        return root;
    }

    @Test
    void grpcAndJsonShareTheBucketsInRedis() throws Exception {
        try (Instance app = start(runtime("shared", EDGE), Map.of())) {
            RateLimitRequest req = request(d("remote_address", "10.1.1.1"));
            RateLimitResponse first = app.blocking().shouldRateLimit(req);
            assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(2);
            HttpResponse<String> second = app.post("/json",
                    "{\"domain\":\"edge\",\"descriptors\":[{\"entries\":[{\"key\":\"remote_address\",\"value\":\"10.1.1.1\"}]}]}");
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(second.body()).contains("\"limitRemaining\":1", "\"name\":\"per-ip\"");
            app.blocking().shouldRateLimit(req);
            HttpResponse<String> over = app.post("/json",
                    "{\"domain\":\"edge\",\"descriptors\":[{\"entries\":[{\"key\":\"remote_address\",\"value\":\"10.1.1.1\"}]}]}");
            assertThat(over.statusCode()).isEqualTo(429);
            assertThat(over.body()).contains("\"overallCode\":\"OVER_LIMIT\"");
            assertThat(app.blocking().shouldRateLimit(req).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
            assertThat(app.post("/json", "{\"domain\":\"edge\"").statusCode()).isEqualTo(400);
            // the HTTP rules do not limit the decision API itself
            for (int i = 0; i < 30; i++) {
                assertThat(app.post("/json", "{\"domain\":\"edge\",\"descriptors\":[{\"entries\":[{\"key\":\"x\",\"value\":\"1\"}]}]}")
                        .statusCode()).isEqualTo(200);
            }
            assertThat(app.get("/rlconfig")).contains("edge.remote_address: unit=MINUTE requests_per_unit=3, name: per-ip");
            assertThat(app.get("/metrics")).contains("tollgate_envoy_hits_total{descriptor=\"edge.remote_address\",domain=\"edge\",kind=\"over_limit\"} 2.0");
        }
    }

    @Test
    void aDeniedRequestTakesNothingFromItsOtherDescriptors() throws Exception {
        try (Instance app = start(runtime("atomic", EDGE), Map.of())) {
            for (int i = 0; i < 3; i++) {
                app.blocking().shouldRateLimit(request(d("remote_address", "10.2.2.2")));
            }
            RateLimitResponse denied = app.blocking().shouldRateLimit(
                    request(d("user", "alice"), d("remote_address", "10.2.2.2")));
            assertThat(denied.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
            assertThat(denied.getStatuses(0).getCode()).isEqualTo(Code.OK);
            assertThat(denied.getStatuses(0).getLimitRemaining()).isEqualTo(10);
            assertThat(denied.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
            // alice's bucket is untouched: her next request alone finds all 10 and takes one
            assertThat(app.blocking().shouldRateLimit(request(d("user", "alice"))).getStatuses(0).getLimitRemaining())
                    .isEqualTo(9);
        }
    }

    @Test
    void twoInstancesOnOneRedisAdmitNoMoreThanTheBucketAllowsAndAnswerEveryCall() throws Exception {
        Path root = runtime("fleet", EDGE);
        try (Instance a = start(root, Map.of()); Instance b = start(root, Map.of())) {
            for (Instance i : List.of(a, b)) {
                // warm both JVMs on a bucket of their own so the measured phase is not the JIT's
                hammer(i, request(d("warm", "w")), 2000, 64, Duration.ofSeconds(30));
            }
            RateLimitRequest hot = request(d("hot", "one"));
            long start = System.nanoTime();
            Thread ta = new Thread(() -> results.add(hammer(a, hot, 3000, 128, Duration.ofSeconds(20))));
            Thread tb = new Thread(() -> results.add(hammer(b, hot, 3000, 128, Duration.ofSeconds(20))));
            ta.start();
            tb.start();
            ta.join();
            tb.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            int sent = 0;
            int answered = 0;
            int admitted = 0;
            int degraded = 0;
            for (Tally t : results) {
                sent += t.sent;
                answered += t.ok + t.over;
                admitted += t.ok;
                degraded += t.degraded;
                assertThat(t.errors).as("gRPC errors").isEmpty();
            }
            assertThat(answered).as("every call answered").isEqualTo(sent);
            assertThat(degraded).as("Redis decided every call").isZero();
            // capacity 50, refill 50/s: never more than the bucket allows over the whole phase, across both instances
            assertThat(admitted).isLessThanOrEqualTo(50 + (int) Math.ceil(seconds * 50));
            assertThat(admitted).isGreaterThanOrEqualTo(50);
            assertThat(sent).isGreaterThan(admitted);
        }
    }

    private final ConcurrentLinkedQueue<Tally> results = new ConcurrentLinkedQueue<>();

    private static final class Tally {
        int sent;
        int ok;
        int over;
        int degraded;
        final List<Throwable> errors = new ArrayList<>();
    }

    /** {@code count} asynchronous calls with at most {@code inFlight} outstanding, bounded by {@code limit} in time. */
    private static Tally hammer(Instance app, RateLimitRequest request, int count, int inFlight, Duration limit) {
        Tally t = new Tally();
        Semaphore window = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(count);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger over = new AtomicInteger();
        AtomicInteger degraded = new AtomicInteger();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        var stub = RateLimitServiceGrpc.newStub(app.channel());
        long deadline = System.nanoTime() + limit.toNanos();
        int sent = 0;
        try {
            for (; sent < count && System.nanoTime() < deadline; sent++) {
                if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
                stub.withDeadlineAfter(15, TimeUnit.SECONDS).shouldRateLimit(request, new StreamObserver<>() {
                    @Override
                    public void onNext(RateLimitResponse r) {
                        (r.getOverallCode() == Code.OK ? ok : over).incrementAndGet();
                        if (r.getResponseHeadersToAddList().stream().anyMatch(h -> h.getKey().equals("x-ratelimit-degraded"))) {
                            degraded.incrementAndGet();
                        }
                    }

                    @Override
                    public void onError(Throwable e) {
                        errors.add(e);
                        window.release();
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        window.release();
                        done.countDown();
                    }
                });
            }
            for (int i = sent; i < count; i++) {
                done.countDown();
            }
            done.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        t.sent = sent;
        t.ok = ok.get();
        t.over = over.get();
        t.degraded = degraded.get();
        t.errors.addAll(errors);
        return t;
    }

    @Test
    void aReloadAppliesAValidEditAndKeepsTheOldSetOnAnInvalidOne() throws Exception {
        Path root = runtime("reload", EDGE);
        try (Instance app = start(root, Map.of())) {
            Path file = root.resolve("config").resolve("edge.yaml");
            Files.writeString(file, EDGE.replace("requests_per_unit: 3, name: per-ip", "requests_per_unit: 3, name: per-ip, bogus: 1"));
            awaitMetric(app, "tollgate_envoy_config_load_error_total 1.0");
            assertThat(app.blocking().shouldRateLimit(request(d("remote_address", "10.3.3.3"))).getStatuses(0)
                    .getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
            Files.writeString(file, EDGE.replace("requests_per_unit: 3, name: per-ip", "requests_per_unit: 7, name: per-ip"));
            awaitMetric(app, "tollgate_envoy_config_load_success_total 2.0");
            assertThat(app.blocking().shouldRateLimit(request(d("remote_address", "10.3.3.3"))).getStatuses(0)
                    .getCurrentLimit().getRequestsPerUnit()).isEqualTo(7);
        }
    }

    @Test
    void aFrozenRedisIsAnsweredByTheFailurePolicyNotAGrpcError() throws Exception {
        try (RedisServer own = RedisServer.start();
             Instance app = start(runtime("frozen", EDGE), Map.of("tollgate.redis.url", own.url(),
                     "tollgate.redis.timeout", "300ms", "tollgate.circuit-breaker.enabled", "false"))) {
            // the store's answer seeds the local bucket fail-open decides with
            assertThat(app.blocking().shouldRateLimit(request(d("remote_address", "10.4.4.4"))).getStatuses(0)
                    .getLimitRemaining()).isEqualTo(2);
            own.pause();
            try {
                RateLimitResponse r1 = app.blocking().shouldRateLimit(request(d("remote_address", "10.4.4.4")));
                RateLimitResponse r2 = app.blocking().shouldRateLimit(request(d("remote_address", "10.4.4.4")));
                RateLimitResponse r3 = app.blocking().shouldRateLimit(request(d("remote_address", "10.4.4.4")));
                assertThat(r1.getOverallCode()).isEqualTo(Code.OK);
                assertThat(r1.getResponseHeadersToAddList()).anySatisfy(h -> {
                    assertThat(h.getKey()).isEqualTo("x-ratelimit-degraded");
                    assertThat(h.getValue()).isEqualTo("fail-open");
                });
                assertThat(r2.getOverallCode()).isEqualTo(Code.OK);
                // fail-open still holds this client to its limit in this instance
                assertThat(r3.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
            } finally {
                own.resume();
            }
        }
    }

    @Test
    void underLoadAFrozenRedisStillAnswersEveryCallThroughThePolicy() throws Exception {
        try (RedisServer own = RedisServer.start();
             Instance app = start(runtime("frozen-load", EDGE), Map.of("tollgate.redis.url", own.url(),
                     "tollgate.redis.timeout", "300ms"))) {
            hammer(app, request(d("warm", "w")), 2000, 64, Duration.ofSeconds(30));
            own.pause();
            Tally t;
            try {
                // the breaker (on by default) opens after the first failures; every call is still answered
                t = hammer(app, request(d("user", "frozen")), 3000, 256, Duration.ofSeconds(20));
            } finally {
                own.resume();
            }
            assertThat(t.errors).as("gRPC errors").isEmpty();
            assertThat(t.ok + t.over).as("every call answered").isEqualTo(t.sent);
            assertThat(t.degraded).as("each answer says the policy gave it").isEqualTo(t.sent);
            // fail-open holds the one bucket to its limit in this instance: 10 per minute, started full
            assertThat(t.ok).isEqualTo(10);
        }
    }

    private static void awaitMetric(Instance app, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String metrics = "";
        while (System.nanoTime() < deadline) {
            metrics = app.get("/metrics");
            if (metrics.contains(line)) {
                return;
            }
            Thread.sleep(50);
        }
        assertThat(metrics).contains(line);
    }

    private static RateLimitRequest request(RateLimitDescriptor... descriptors) {
        return RateLimitRequest.newBuilder().setDomain("edge").addAllDescriptors(List.of(descriptors)).build();
    }

    private static RateLimitDescriptor d(String key, String value) {
        return RateLimitDescriptor.newBuilder()
                .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value)).build();
    }
}
