package io.tollgate.bench;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import io.tollgate.envoy.config.EnvoyConfig;
import io.tollgate.envoy.service.EnvoyLimiter;
import io.tollgate.envoy.service.RateLimitGrpcServer;
import io.tollgate.redis.RedisBucketStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gRPC phase: Envoy's {@code ShouldRateLimit} from a Java client through {@link RateLimitGrpcServer} and
 * {@link EnvoyLimiter} to Tollgate's batched store on the bench's Redis, the whole path an Envoy sidecar's call takes
 * but Envoy itself. The store is built as case (a)'s (same settings, same Lettuce threads, a connection of its own);
 * server and client run in the bench JVM, so they share the cores with each other and with Redis, as the store rows'
 * client shares them with Redis. The client is Envoy's generated async stub on two channels (two HTTP/2 connections,
 * plaintext, loopback) with an event loop of its own ({@value #CLIENT_THREADS}; epoll when available, as grpc-java's
 * default transport is) and its callbacks run on it ({@code directExecutor}), so its CPU can be told apart from the
 * server's ({@code grpc-} threads); retries are off, as Envoy makes none. The limiter's stages complete on the store's
 * Lettuce thread, so the responses are built and handed to the server's event loop there: the split's "store" group
 * holds that work too.
 *
 * <p>Every request is one descriptor {@code client=c<i>} of domain {@value #DOMAIN}, cycling over {@value #CLIENTS}
 * values, under {@link #CONFIG}: 100 burst @ 100/s per client, the rule of case (a) that it is compared with (never
 * denied at these rates), so one call is one decision on one of 10,000 buckets. Redis is emptied before every warm-up
 * and measured run.
 * <ul>
 *   <li>Saturation: {@link RedisBench#WINDOW} calls in flight ({@link AsyncWindow}) for the plan's Redis duration,
 *       after a warm-up in {@value #WARM_SLICE_MILLIS} ms slices until two in a row are within
 *       {@link HttpPhase#STEADY_SPREAD} of each other and the JIT compiled for at most {@link #JIT_QUIET} of the last
 *       (at least the plan's warm-up, at most its gRPC warm-up cap): a steady rate alone was seen with the JIT still
 *       compiling for most of the slice.</li>
 *   <li>Half load: {@link PacedLoad} at half the saturation rate, never more than {@link RedisBench#WINDOW} in flight,
 *       after paced slices at the same rate until one leaves the JIT quiet (at most {@value #PACED_WARM_SLICES}: the
 *       paced path is new code).</li>
 * </ul>
 * Each call has a {@value #CALL_TIMEOUT_MILLIS} ms deadline, so every call ends in an answer or an error. Errors,
 * degraded answers (a failure policy answered for Redis: {@code x-ratelimit-degraded}, or the store shed:
 * {@code retry-after}) and calls sent but not answered are counted and reported, never dropped; a run that cannot
 * finish makes the phase's {@link Result#failure()}.
 */
final class GrpcPhase implements AutoCloseable {

    static final String DOMAIN = "bench";
    static final int CLIENTS = 10_000;
    /** Case (a)'s rule (capacity 100, refill 100/s) in envoyproxy/ratelimit's format, as that server reads it too. */
    static final String CONFIG = """
            domain: bench
            descriptors:
              - key: client
                rate_limit: {unit: second, requests_per_unit: 100}
            """;
    static final long WARM_SLICE_MILLIS = 1_000;
    /** The share of a warm-up slice the JIT may spend compiling for the code to count as warm. */
    static final double JIT_QUIET = 0.10;
    static final int PACED_WARM_SLICES = 3;
    static final long CALL_TIMEOUT_MILLIS = 5_000;
    static final String CLIENT_THREADS = "bench-grpc-client";
    /** The targets: the store's own decisions/s, and the p99 at half the saturation load. */
    static final double TARGET_SHARE = 0.80;
    static final double TARGET_P99_MICROS = 2_000;

    /** Thread groups of {@link CpuSplit}, in its order. */
    private static final ThreadCpu THREADS = new ThreadCpu(List.of(List.of(CLIENT_THREADS), List.of("grpc-"),
            List.of("lettuce-", "tollgate-redis"), List.of("main")));

    /** Calls of one run as the client saw them; {@code firstError} is the first error's status, or null. */
    record Tally(long sent, long answered, long errors, long degraded, String firstError) {

        long unanswered() {
            return sent - answered - errors;
        }

        boolean clean() {
            return errors == 0 && degraded == 0 && unanswered() == 0;
        }

        /** Empty when clean, else what went wrong, for a table cell. */
        String problems() {
            if (clean()) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            if (errors > 0) {
                sb.append(String.format(Locale.ROOT, "%,d errors (first: %s)", errors, firstError));
            }
            if (degraded > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                        "%,d degraded (failure policy or shed)", degraded));
            }
            if (unanswered() != 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,d unanswered",
                        unanswered()));
            }
            return sb.toString();
        }
    }

    /**
     * The bench JVM's CPU per decision in µs, by thread group: the gRPC client's event loop, the server's
     * ({@code grpc-}: the limiter runs there), the store's (Lettuce and Tollgate's Redis threads), the submitting
     * thread, and the rest of the process (GC, JIT, threads that ended); NaN when the JVM does not measure thread CPU.
     * {@code work} is what the JIT and the collectors did during the run, to read the rest by.
     */
    record CpuSplit(double client, double server, double store, double submitter, double rest, JvmWork work) {

        static CpuSplit of(long[] groups, long processNanos, long decisions, JvmWork work) {
            if (groups[0] < 0 || processNanos < 0 || decisions <= 0) {
                return new CpuSplit(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, work);
            }
            long named = groups[0] + groups[1] + groups[2] + groups[3];
            double per = 1e3 * decisions;
            return new CpuSplit(groups[0] / per, groups[1] / per, groups[2] / per, groups[3] / per,
                    Math.max(0, processNanos - named) / per, work);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "client %s, server %s, store %s, submitter %s, rest %s (%s in the run)",
                    Report.us(client), Report.us(server), Report.us(store), Report.us(submitter), Report.us(rest),
                    work);
        }
    }

    /** The phase's figures and what each warm-up saw, or {@code failure} (then the rest may be null). */
    record Result(AsyncWindow.Result saturation, Tally saturationTally, CpuSplit saturationCpu,
                  PacedLoad.Result halfLoad, Tally halfLoadTally, CpuSplit halfLoadCpu, String warmUp,
                  String halfLoadWarmUp, String failure) {

        static Result failed(String why) {
            return new Result(null, null, null, null, null, null, null, null, why);
        }

        /** Saturation decisions/s over {@code store}'s, NaN when either is missing. */
        double shareOf(AsyncWindow.Result store) {
            return saturation == null || store == null ? Double.NaN : saturation.perSecond() / store.perSecond();
        }

        /** The throughput target: ≥80% of the store's rate, with every call answered and none degraded. */
        boolean throughputMet(AsyncWindow.Result store) {
            return shareOf(store) >= TARGET_SHARE && saturationTally.clean();
        }

        /** The latency target: p99 ≤ 2 ms at half load, every call answered, none degraded, the load kept open. */
        boolean latencyMet() {
            return halfLoad != null && halfLoad.p99Micros() <= TARGET_P99_MICROS && halfLoadTally.clean()
                    && halfLoad.waitedForPermit() == 0;
        }
    }

    private static final int CONNECTIONS = 2;

    private final RedisBucketStore store;
    private final RateLimitGrpcServer server;
    private final EventLoopGroup clientLoop;
    /** Two connections, as Envoy opens one per worker thread: the server's calls spread over its event loops. */
    private final ManagedChannel[] channels = new ManagedChannel[CONNECTIONS];
    private final RateLimitServiceGrpc.RateLimitServiceStub[] stubs = new RateLimitServiceGrpc.RateLimitServiceStub[CONNECTIONS];
    private final RateLimitRequest[] requests = new RateLimitRequest[CLIENTS];
    private final LongAdder sent = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder degraded = new LongAdder();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    private GrpcPhase(RedisBench rb) {
        EnvoyConfig config = EnvoyConfig.parse("bench.yaml", CONFIG);
        this.store = rb.newTollgateStore();
        EnvoyLimiter limiter = EnvoyLimiter.builder(store, () -> config).build();
        try {
            this.server = new RateLimitGrpcServer(limiter, "127.0.0.1", 0, Duration.ofSeconds(2)).start();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory threads = new DefaultThreadFactory(CLIENT_THREADS, true);
        this.clientLoop = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
        for (int c = 0; c < CONNECTIONS; c++) {
            channels[c] = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                    .usePlaintext()
                    .eventLoopGroup(clientLoop)
                    .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .directExecutor()
                    // Envoy does not retry a rate-limit call; grpc-java's retry support buffers every call for a
                    // replay, client work that would be taken from the server on these shared cores.
                    .disableRetry()
                    .build();
            stubs[c] = RateLimitServiceGrpc.newStub(channels[c]);
        }
        // Built once, as the store rows' keys are: the client's cost per call is the call, not the request's building.
        for (int i = 0; i < CLIENTS; i++) {
            requests[i] = RateLimitRequest.newBuilder().setDomain(DOMAIN)
                    .addDescriptors(RateLimitDescriptor.newBuilder().addEntries(RateLimitDescriptor.Entry.newBuilder()
                            .setKey("client").setValue("c" + i)))
                    .build();
        }
    }

    /**
     * Runs the phase on {@code rb}'s Redis and prints what it measures; {@code store} is case (a)'s Tollgate (default)
     * reading of the same run, for the printed ratio. Never throws for a failed run: that becomes the result's failure.
     */
    static Result run(RedisBench rb, BenchMain.Plan plan, AsyncWindow.Result store) throws InterruptedException {
        System.out.println("gRPC ShouldRateLimit, Java client and server in the bench JVM, Tollgate's batched store, "
                + CLIENTS + " clients, rule " + RedisBench.describe(RedisBench.ALLOWED) + ":");
        try (GrpcPhase g = new GrpcPhase(rb)) {
            String warm = g.warmUp(rb, plan);
            System.out.println("  warm-up: " + warm);
            Measured<AsyncWindow.Result> sat = g.measure(rb, () -> AsyncWindow.run(RedisBench.WINDOW,
                    plan.redisMillis(), plan.maxCalls(), g::call, GrpcPhase::allowed));
            AsyncWindow.Result s = sat.result();
            CpuSplit satCpu = sat.split(s.cpu(), s.completed());
            System.out.printf(Locale.ROOT, "  %-62s %,12.0f /s  allowed %5.1f%%  errors %d  CPU/call: JVM %.1f µs"
                    + " (%s), redis %.1f µs  ÷ store (a) %s%n", "saturation, " + RedisBench.WINDOW + " in flight",
                    s.perSecond(), 100 * s.allowedFraction(), s.errors(), s.clientCpuMicrosPerCall(), satCpu,
                    s.serverCpuMicrosPerCall(), Report.pct(s.perSecond() / store.perSecond()));
            printProblems(sat.tally());

            double half = s.perSecond() / 2;
            String pacedWarm = g.pacedWarmUp(rb, plan, half);
            System.out.println("  half-load warm-up: " + pacedWarm);
            Measured<PacedLoad.Result> paced = g.measure(rb, () -> PacedLoad.run(half, RedisBench.WINDOW,
                    plan.grpcPacedMillis(), plan.maxCalls(), g::call, GrpcPhase::allowed));
            PacedLoad.Result p = paced.result();
            CpuSplit pacedCpu = paced.split(p.cpu(), p.calls() + p.errors());
            System.out.printf(Locale.ROOT, "  %-62s p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  sent %,.0f/s"
                    + "  errors %d  waited for a permit %d  CPU/call: JVM %.1f µs (%s), redis %.1f µs%n",
                    String.format(Locale.ROOT, "half load, paced at %,.0f/s", half), p.p50Micros() / 1e3,
                    p.p99Micros() / 1e3, p.p999Micros() / 1e3, p.maxMicros() / 1e3, p.sentPerSecond(), p.errors(),
                    p.waitedForPermit(), p.clientCpuMicrosPerCall(), pacedCpu, p.serverCpuMicrosPerCall());
            printProblems(paced.tally());
            return new Result(s, sat.tally(), satCpu, p, paced.tally(), pacedCpu, warm, pacedWarm, null);
        } catch (RuntimeException e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            System.out.println("  gRPC phase failed: " + why);
            return Result.failed(why);
        }
    }

    /** A measured run. */
    @FunctionalInterface
    private interface Run<R> {
        R run() throws InterruptedException;
    }

    /** What a run returned, its calls as the client saw them, and the JVM's thread CPU and work meanwhile. */
    private record Measured<R>(R result, Tally tally, long[] threads, JvmWork work) {

        CpuSplit split(CpuSample process, long decisions) {
            return CpuSplit.of(threads, process.clientNanos(), decisions, work);
        }
    }

    /** {@code run} from an empty database, with the counts reset first. */
    private <R> Measured<R> measure(RedisBench rb, Run<R> run) throws InterruptedException {
        rb.flush();
        reset();
        long[] threads0 = THREADS.sample();
        JvmWork work0 = JvmWork.now();
        R r = run.run();
        JvmWork work = JvmWork.now().since(work0);
        return new Measured<>(r, tally(), ThreadCpu.since(THREADS.sample(), threads0), work);
    }

    private static void printProblems(Tally t) {
        if (!t.clean()) {
            System.out.println("  PROBLEM: " + t.problems());
        }
    }

    /**
     * Saturation slices until the rate is steady and the JIT quiet (see the class comment); returns what it saw, for
     * the log. On 2 cores the server's path (HTTP/2 framing, protobuf, the limiter) is new code to the JIT at this
     * point of the run.
     */
    private String warmUp(RedisBench rb, BenchMain.Plan plan) throws InterruptedException {
        long start = System.nanoTime();
        double last = Double.NaN;
        StringBuilder seen = new StringBuilder();
        while (true) {
            rb.flush();
            JvmWork work0 = JvmWork.now();
            AsyncWindow.Result r = AsyncWindow.run(RedisBench.WINDOW, WARM_SLICE_MILLIS, plan.maxCalls(), this::call,
                    GrpcPhase::allowed);
            JvmWork work = JvmWork.now().since(work0);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            seen.append(seen.length() == 0 ? "" : ", ").append(Math.round(r.perSecond()));
            boolean steady = steady(last, r.perSecond()) && jitQuiet(work, WARM_SLICE_MILLIS);
            if ((steady && elapsed >= plan.warmMillis()) || elapsed >= plan.grpcWarmMaxMillis()) {
                return seen + " calls/s over " + elapsed / 1000 + " s" + (steady ? " (steady" : " (not steady: cut off")
                        + "; last slice " + work + ")";
            }
            last = r.perSecond();
        }
    }

    /** Paced slices of {@value #WARM_SLICE_MILLIS} ms at {@code perSecond} until the JIT is quiet; what it saw. */
    private String pacedWarmUp(RedisBench rb, BenchMain.Plan plan, double perSecond) throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        for (int slice = 1; ; slice++) {
            rb.flush();
            JvmWork work0 = JvmWork.now();
            PacedLoad.run(perSecond, RedisBench.WINDOW, WARM_SLICE_MILLIS, plan.maxCalls(), this::call,
                    GrpcPhase::allowed);
            JvmWork work = JvmWork.now().since(work0);
            seen.append(seen.length() == 0 ? "" : ", ").append(work);
            boolean quiet = jitQuiet(work, WARM_SLICE_MILLIS);
            if (quiet || slice >= PACED_WARM_SLICES) {
                return seen + (quiet ? " (JIT quiet)" : " (JIT still busy: cut off)");
            }
        }
    }

    /** Whether the JIT compiled for at most {@link #JIT_QUIET} of a slice; true when the JVM does not say. */
    static boolean jitQuiet(JvmWork work, long sliceMillis) {
        return work.jitMillis() < 0 || work.jitMillis() <= JIT_QUIET * sliceMillis;
    }

    /** Whether {@code now} is within {@link HttpPhase#STEADY_SPREAD} of {@code last}. */
    static boolean steady(double last, double now) {
        return !Double.isNaN(last) && Math.abs(now - last) <= HttpPhase.STEADY_SPREAD * last;
    }

    private static boolean allowed(RateLimitResponse r) {
        return r.getOverallCode() == RateLimitResponse.Code.OK;
    }

    /** One ShouldRateLimit of client {@code i % CLIENTS}; the stage completes with the answer or the call's error. */
    private CompletableFuture<RateLimitResponse> call(long i) {
        CompletableFuture<RateLimitResponse> answer = new CompletableFuture<>();
        RateLimitServiceGrpc.RateLimitServiceStub stub = stubs[(int) (i % CONNECTIONS)];
        stub.withDeadlineAfter(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .shouldRateLimit(requests[(int) (i % CLIENTS)], new Answer(answer));
        sent.increment();
        return answer;
    }

    /** Completes a stage with the one response of a unary call, and counts it. */
    private final class Answer implements StreamObserver<RateLimitResponse> {

        private final CompletableFuture<RateLimitResponse> stage;
        private RateLimitResponse response;

        Answer(CompletableFuture<RateLimitResponse> stage) {
            this.stage = stage;
        }

        @Override
        public void onNext(RateLimitResponse value) {
            response = value;
        }

        @Override
        public void onError(Throwable t) {
            errors.increment();
            firstError.compareAndSet(null, Status.fromThrowable(t).toString());
            stage.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            if (response == null) {
                // a unary call that completed without a response is the server's bug: an error, not an answer
                onError(Status.INTERNAL.withDescription("completed without a response").asRuntimeException());
                return;
            }
            answered.increment();
            if (degraded(response)) {
                degraded.increment();
            }
            stage.complete(response);
        }
    }

    /** Whether a failure policy or load shedding answered instead of the store. */
    static boolean degraded(RateLimitResponse r) {
        for (HeaderValue h : r.getResponseHeadersToAddList()) {
            if (h.getKey().equals(EnvoyLimiter.DEGRADED_HEADER) || h.getKey().equals("retry-after")) {
                return true;
            }
        }
        return false;
    }

    /** Between runs only, with nothing in flight (the runs drain their calls). */
    private void reset() {
        sent.reset();
        answered.reset();
        errors.reset();
        degraded.reset();
        firstError.set(null);
    }

    private Tally tally() {
        return new Tally(sent.sum(), answered.sum(), errors.sum(), degraded.sum(), firstError.get());
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        try {
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        clientLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        store.close();
    }
}
