package io.tollgate.bench;

import io.tollgate.testsupport.redis.RedisServer;

import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import io.tollgate.core.store.BucketStore;
import io.tollgate.redis.RedisBucketStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once, prints one Markdown table and optionally writes it with the machine details.
 *
 * <pre>
 * ./mvnw -B -pl tollgate-bench -am package -DskipTests
 * java -jar tollgate-bench/target/tollgate-bench.jar [--quick] [--out docs/benchmarks.md]
 * </pre>
 */
public final class BenchMain {

    static final String COMMAND = "./mvnw -B -pl tollgate-bench -am package -DskipTests && "
            + "java -jar tollgate-bench/target/tollgate-bench.jar --out docs/benchmarks.md";

    private BenchMain() {
    }

    /**
     * Phase durations: --quick is about a minute and a half end to end, the default about six. {@code rounds} is how
     * often each side-by-side case is measured (every other round in reverse client order); {@code idleCalls} and
     * {@code idleMillis} bound each client's idle latency, spread over its alternated runs. The gRPC phase warms up for at most {@code grpcWarmMaxMillis}
     * and measures its half load for {@code grpcPacedMillis} (its saturation run takes {@code redisMillis}): at most
     * about 20 s with --quick, 50 s without.
     */
    record Plan(boolean quick, long redisMillis, long warmMillis, long maxCalls, long rbRequests, long httpMillis,
                int jmhWarmups, int jmhIterations, long jmhIterMillis, int rounds, long idleCalls, long idleMillis,
                long grpcWarmMaxMillis, long grpcPacedMillis) {
        static Plan of(boolean quick) {
            return quick
                    ? new Plan(true, 1_000, 300, 2_000_000, 200_000, 1_500, 1, 2, 500, 1, 2_000, 1_000, 12_000, 3_000)
                    : new Plan(false, 5_000, 1_000, 20_000_000, 1_000_000, 10_000, 2, 3, 1000, 2, 20_000, 5_000,
                            30_000, 10_000);
        }
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        String outFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> outFile = args[++i];
                case "-h", "--help" -> {
                    System.out.println("usage: java -jar tollgate-bench.jar [--quick] [--out docs/benchmarks.md]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Plan plan = Plan.of(quick);
        System.out.println("load average (1, 5, 15 min) at start: " + Machine.START_LOAD);
        long started = System.nanoTime();
        Report report = new Report();
        String redisVersion;
        try (RedisServer redis = RedisServer.start("--maxmemory", "2gb");
             RedisBench rb = new RedisBench(redis, Math.max(2, Runtime.getRuntime().availableProcessors()))) {
            redisVersion = rb.redisVersion();
            CpuSample.server = rb.redisCpu();
            System.out.printf("redis-server %s (%s) on 127.0.0.1:%d%n", redisVersion,
                    io.tollgate.testsupport.redis.RedisBinary.path(), redis.port());
            RedisFigures figures = redisPhases(rb, plan, report);
            // Right after the Redis rows, on the same Redis and store settings, so it compares with case (a).
            GrpcPhase.Result grpc = GrpcPhase.run(rb, plan, figures.tenK().tollgate());
            List<HttpPhase.Result> http = HttpPhase.run(redis, rb, plan.httpMillis(),
                    plan.quick() ? 15_000 : 120_000);
            report.http(http);
            report.grpc(new GrpcTable(grpc, figures.tenK().tollgate(), Headlines.find(http, "redis")));
            CpuSample.server = null;
            localPhase(plan, report);
            String loadEnd = Machine.loadAverage();
            System.out.println("load average (1, 5, 15 min) at end: " + loadEnd);
            report.headlines(new Headlines(figures.tenK(), figures.hot(), figures.idle(), figures.memory(), http,
                    grpc, Machine.START_LOAD, loadEnd));
        }
        String table = report.markdown();
        System.out.println();
        System.out.println(table);
        double secs = (System.nanoTime() - started) / 1e9;
        System.out.printf("total %.0f s%n", secs);
        if (outFile != null) {
            writeDoc(Path.of(outFile), table, plan, redisVersion, secs);
            System.out.println("wrote " + outFile);
        }
    }

    private static AsyncWindow.Result measure(String what, RedisBench rb, Plan plan, Phase phase) throws Exception {
        rb.flush();
        phase.run(plan.warmMillis(), plan.maxCalls());
        rb.flush();
        AsyncWindow.Result r = phase.run(plan.redisMillis(), plan.maxCalls());
        System.out.printf(Locale.ROOT, "  %-62s %,12.0f /s  allowed %5.1f%%  errors %d  CPU/call: client %.1f µs,"
                + " redis %.1f µs%n", what, r.perSecond(), 100 * r.allowedFraction(), r.errors(),
                r.clientCpuMicrosPerCall(), r.serverCpuMicrosPerCall());
        return r;
    }

    @FunctionalInterface
    interface Phase {
        AsyncWindow.Result run(long millis, long maxCalls) throws Exception;
    }

    @FunctionalInterface
    interface IdlePhase {
        IdleLatency.Result run(long maxCalls, long millis) throws Exception;
    }

    /** What the headlines are computed from. */
    record RedisFigures(Contenders<AsyncWindow.Result> tenK, Contenders<AsyncWindow.Result> hot,
                        Contenders<IdleLatency.Result> idle, BucketMemory.Result memory) {
    }

    /**
     * Measures one case for each client in {@code phases} (order of {@link Contenders#NAMES}; null: not measured),
     * {@code plan.rounds()} times, every other round in reverse order so that no client always runs first or last,
     * and adds the readings of each client up.
     */
    private static Contenders<AsyncWindow.Result> sideBySide(String what, RedisBench rb, Plan plan, Phase[] phases)
            throws Exception {
        AsyncWindow.Result[] sum = new AsyncWindow.Result[phases.length];
        for (int round = 0; round < plan.rounds(); round++) {
            for (int j = 0; j < phases.length; j++) {
                int c = round % 2 == 0 ? j : phases.length - 1 - j;
                if (phases[c] == null) {
                    continue;
                }
                AsyncWindow.Result r = measure(what + ", " + Contenders.NAMES.get(c).replace("`", ""), rb, plan,
                        phases[c]);
                sum[c] = sum[c] == null ? r : sum[c].plus(r);
            }
        }
        return Contenders.of(sum);
    }

    /**
     * Idle latency per client, measured in at least 4 runs each (every other round in reverse client order,
     * each run after a short warm-up on an empty database) and pooled: one run per client in a fixed order let the
     * first client pay for whatever the previous phase left behind (seen: 76 against 56 µs p50 for two clients that
     * run the same script, the same on alternated runs).
     */
    private static Contenders<IdleLatency.Result> idle(RedisBench rb, Plan plan, IdlePhase[] phases)
            throws Exception {
        int rounds = Math.max(4, 2 * plan.rounds());
        List<List<IdleLatency.Result>> runs = new ArrayList<>();
        for (int c = 0; c < phases.length; c++) {
            runs.add(new ArrayList<>());
        }
        long calls = Math.max(1, plan.idleCalls() / rounds);
        long millis = Math.max(1, plan.idleMillis() / rounds);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < phases.length; i++) {
                int c = round % 2 == 0 ? i : phases.length - 1 - i;
                if (phases[c] == null) {
                    continue;
                }
                rb.flush();
                phases[c].run(Math.max(1, calls / 10), plan.warmMillis() / rounds);
                rb.flush();
                runs.get(c).add(phases[c].run(calls, millis));
            }
        }
        IdleLatency.Result[] out = new IdleLatency.Result[phases.length];
        for (int c = 0; c < phases.length; c++) {
            if (phases[c] == null) {
                continue;
            }
            IdleLatency.Result r = IdleLatency.Result.pooled(runs.get(c));
            out[c] = r;
            System.out.printf(Locale.ROOT, "  %-62s p50 %6.0f µs  p99 %6.0f µs  calls %,d  errors %d  CPU/call:"
                    + " client %.1f µs, redis %.1f µs%n", Contenders.NAMES.get(c).replace("`", ""), r.p50Micros(),
                    r.p99Micros(), r.calls(), r.errors(), r.clientCpuMicrosPerCall(), r.serverCpuMicrosPerCall());
        }
        return Contenders.of(out);
    }

    private static RedisFigures redisPhases(RedisBench rb, Plan plan, Report report) throws Exception {
        String[] k10k = RedisBench.keys("a:", 10_000);
        String[] hot = {"hot"};
        String[] k100 = RedisBench.keys("c:", 100);
        String[] global = {"global"};
        BucketStore tg = rb.tollgateStore();
        BucketStore tgu = rb.unbatchedStore();
        String missing = rb.unbatchedNote() == null ? null : "not measured: see the notes";
        if (rb.unbatchedNote() != null) {
            System.out.println("NOTE: " + rb.unbatchedNote());
            report.note(rb.unbatchedNote());
        }
        Bucket4jOnRedis b4j = rb.bucket4j();
        Bucket4jOnRedis b4jF = rb.bucket4jFlushed();
        AsyncBucketProxy[] b10k = b4j.proxies(k10k, Bucket4jOnRedis.ALLOWED);
        AsyncBucketProxy[] b10kF = b4jF.proxies(k10k, Bucket4jOnRedis.ALLOWED);
        AsyncBucketProxy[] b10kIdle = b4j.proxies(k10k, Bucket4jOnRedis.RULE);
        AsyncBucketProxy[] b10kIdleF = b4jF.proxies(k10k, Bucket4jOnRedis.RULE);
        AsyncBucketProxy[] bHot = b4j.proxies(hot, Bucket4jOnRedis.RULE);
        AsyncBucketProxy[] bHotF = b4jF.proxies(hot, Bucket4jOnRedis.RULE);
        AsyncBucketProxy[] b100 = b4j.proxies(k100, Bucket4jOnRedis.RULE);
        AsyncBucketProxy[] bGlobal = b4j.proxies(global, Bucket4jOnRedis.GLOBAL);

        System.out.println("Redis, " + RedisBench.WINDOW + " in flight on one connection, rule " + RedisBench.ALLOWED
                + " for (a) and its ceiling, " + RedisBench.RULE + " for the rest:");
        // Warm the JIT on every client path first, so that no measured phase (the ceiling is first) runs cold code.
        for (int round = 0; round < 2; round++) {
            rb.evalsha(k10k, RedisBench.ALLOWED, false, plan.warmMillis(), plan.maxCalls());
            rb.evalsha(k10k, RedisBench.ALLOWED, true, plan.warmMillis(), plan.maxCalls());
            rb.tollgate(tg, k10k, RedisBench.ALLOWED, plan.warmMillis(), plan.maxCalls());
            if (tgu != null) {
                rb.tollgate(tgu, k10k, RedisBench.ALLOWED, plan.warmMillis(), plan.maxCalls());
            }
            Bucket4jOnRedis.run(b10k, plan.warmMillis(), plan.maxCalls());
            Bucket4jOnRedis.run(b10kF, plan.warmMillis(), plan.maxCalls());
            rb.flush();
        }
        // Ceiling first, so the table can relate everything to it.
        AsyncWindow.Result ceil0 = measure("ceiling: EVALSHA async, 10k keys", rb, plan,
                (ms, n) -> rb.evalsha(k10k, RedisBench.ALLOWED, false, ms, n));
        AsyncWindow.Result ceilBatch0 = measure("ceiling: EVALSHA autoflush off, 10k keys", rb, plan,
                (ms, n) -> rb.evalsha(k10k, RedisBench.ALLOWED, true, ms, n));
        AsyncWindow.Result ceilHot = measure("ceiling: EVALSHA async, 1 hot key", rb, plan,
                (ms, n) -> rb.evalsha(hot, RedisBench.RULE, false, ms, n));
        AsyncWindow.Result ceil100 = measure("ceiling: EVALSHA async, 100 keys", rb, plan,
                (ms, n) -> rb.evalsha(k100, RedisBench.RULE, false, ms, n));

        rb.flush();
        StringBuilder note = new StringBuilder();
        CpuSample rbCpu0 = CpuSample.now();
        double rbRps = rb.redisBenchmark(plan.rbRequests(), RedisBench.ALLOWED, note);
        double rbRedisCpu = rbRps < 0 ? Double.NaN : CpuSample.now().since(rbCpu0).serverMicrosPer(plan.rbRequests());
        System.out.printf(Locale.ROOT, "  %-62s %,12.0f /s  CPU/call: redis %.1f µs %s%n",
                "redis-benchmark -P 16 EVALSHA, 10k keys", rbRps, rbRedisCpu, note);

        Contenders<AsyncWindow.Result> a = sideBySide("(a) 10k keys", rb, plan, new Phase[] {
                (ms, n) -> rb.tollgate(tg, k10k, RedisBench.ALLOWED, ms, n),
                tgu == null ? null : (ms, n) -> rb.tollgate(tgu, k10k, RedisBench.ALLOWED, ms, n),
                (ms, n) -> Bucket4jOnRedis.run(b10k, ms, n),
                (ms, n) -> Bucket4jOnRedis.run(b10kF, ms, n)});
        // The ceiling again, right after case (a): the better of the two readings is the one used.
        AsyncWindow.Result ceilAfter = measure("ceiling: EVALSHA async, 10k keys (again)", rb, plan,
                (ms, n) -> rb.evalsha(k10k, RedisBench.ALLOWED, false, ms, n));
        AsyncWindow.Result ceilBatchAfter = measure("ceiling: EVALSHA autoflush off, 10k keys (again)", rb, plan,
                (ms, n) -> rb.evalsha(k10k, RedisBench.ALLOWED, true, ms, n));
        AsyncWindow.Result ceil = ceilAfter.perSecond() > ceil0.perSecond() ? ceilAfter : ceil0;
        AsyncWindow.Result ceilBatch = ceilBatchAfter.perSecond() > ceilBatch0.perSecond() ? ceilBatchAfter
                : ceilBatch0;
        double bestCeil = Math.max(ceil.perSecond(), ceilBatch.perSecond());
        Contenders<AsyncWindow.Result> b = sideBySide("(b) 1 hot key, raw store", rb, plan, new Phase[] {
                (ms, n) -> rb.tollgate(tg, hot, RedisBench.RULE, ms, n),
                tgu == null ? null : (ms, n) -> rb.tollgate(tgu, hot, RedisBench.RULE, ms, n),
                (ms, n) -> Bucket4jOnRedis.run(bHot, ms, n),
                (ms, n) -> Bucket4jOnRedis.run(bHotF, ms, n)});
        BucketStore deny = StoreChain.around(tg).denyCache(DenyCachingBucketStore.DEFAULT_MAX_ENTRIES).build()
                .unleased();
        AsyncWindow.Result tbd = measure("(b) Tollgate + deny cache, 1 hot key", rb, plan,
                (ms, n) -> rb.tollgate(deny, hot, RedisBench.RULE, ms, n));
        AsyncWindow.Result tc = measure("(c) Tollgate, 100 keys", rb, plan,
                (ms, n) -> rb.tollgate(tg, k100, RedisBench.RULE, ms, n));
        AsyncWindow.Result bc = measure("(c) Bucket4j, 100 keys", rb, plan,
                (ms, n) -> Bucket4jOnRedis.run(b100, ms, n));
        AsyncWindow.Result tcd = measure("(c) Tollgate + deny cache, 100 keys", rb, plan,
                (ms, n) -> rb.tollgate(deny, k100, RedisBench.RULE, ms, n));

        System.out.println("Hot global key, rule " + RedisBench.GLOBAL + ":");
        AsyncWindow.Result tg1 = measure("Tollgate, no lease", rb, plan,
                (ms, n) -> rb.tollgate(tg, global, RedisBench.GLOBAL, ms, n));
        long[] leaseCalls = new long[1];
        AsyncWindow.Result tgl = measure("Tollgate + LeasingBucketStore", rb, plan, (ms, n) -> {
            try (StoreChain l = rb.leasing()) {
                AsyncWindow.Result r = rb.tollgate(l.leased(), global, RedisBench.GLOBAL, ms, n);
                leaseCalls[0] = l.leases().orElseThrow().backingCalls();
                return r;
            }
        });
        AsyncWindow.Result bg = measure("Bucket4j", rb, plan, (ms, n) -> Bucket4jOnRedis.run(bGlobal, ms, n));

        System.out.println("Idle latency, 1 in flight, 10k keys, at most " + plan.idleCalls() + " calls or "
                + plan.idleMillis() + " ms each:");
        Contenders<IdleLatency.Result> idle = idle(rb, plan, new IdlePhase[] {
                (n, ms) -> RedisBench.tollgateIdle(tg, k10k, n, ms),
                tgu == null ? null : (n, ms) -> RedisBench.tollgateIdle(tgu, k10k, n, ms),
                (n, ms) -> Bucket4jOnRedis.idle(b10kIdle, n, ms),
                (n, ms) -> Bucket4jOnRedis.idle(b10kIdleF, n, ms)});

        double[] mem;
        try (RedisBucketStore tg2 = rb.storeWithPrefix("tg")) {
            mem = rb.memoryPerBucket(100, tg2, "tg");
        }
        System.out.printf(Locale.ROOT, "  MEMORY USAGE per bucket: Tollgate %.1f B (prefix tg: %.1f B), Bucket4j %.1f B%n",
                mem[0], mem[2], mem[1]);
        BucketMemory.Result one = BucketMemory.measure(rb);
        System.out.printf(Locale.ROOT, "  MEMORY USAGE of one default-rule IPv4 bucket: Tollgate %d B (%s), Bucket4j %d B"
                + " (%s) %s%n", one.tollgate().bytes(), one.tollgate().name(), one.bucket4j().bytes(),
                one.bucket4j().name(), one.note());

        report.sideBySide("(a) 10k keys, mostly allowed", a, bestCeil, "≥2× Bucket4j and ≥85% of ceiling", missing);
        report.sideBySide("(b) 1 hot key, mostly denied, raw store (no deny cache)", b, ceilHot.perSecond(), "—",
                missing);
        report.idle(idle, missing);
        report.section("Redis: decisions/s, " + RedisBench.WINDOW + " in flight on one connection, rule "
                + RedisBench.describe(RedisBench.ALLOWED) + " for 10k keys, " + RedisBench.describe(RedisBench.RULE)
                + " for the rest");
        report.ceiling("EVALSHA ceiling, Lettuce async, 10k keys (better of 2 readings)", ceil);
        report.ceiling("EVALSHA ceiling, Lettuce autoflush off (flush/32), 10k keys (better of 2)", ceilBatch);
        report.rawRow("EVALSHA ceiling, redis-benchmark -P 16 -c 50, 10k keys", rbRps, rbRedisCpu, note.toString());
        report.ceiling("EVALSHA ceiling, Lettuce async, 1 hot key", ceilHot);
        report.ceiling("EVALSHA ceiling, Lettuce async, 100 keys", ceil100);
        report.compare("(b) 1 hot key, mostly denied, DenyCachingBucketStore (vs Bucket4j + flush consolidation)", tbd,
                b.bucket4jFlushed(), ceilHot.perSecond(), "≥5× Bucket4j");
        report.compare("(c) 100 keys, no deny cache", tc, bc, ceil100.perSecond(), "—");
        report.compare("(c) 100 keys, DenyCachingBucketStore", tcd, bc, ceil100.perSecond(), "—");
        report.compare("hot global key 1M @ 200k/s, no lease", tg1, bg, ceilHot.perSecond(), "—");
        report.compare("hot global key 1M @ 200k/s, LeasingBucketStore", tgl, bg, ceilHot.perSecond(),
                String.format(Locale.ROOT, "%,d store calls", leaseCalls[0]));
        report.memory(mem[0], mem[1], mem[2]);
        report.bucketMemory(one);
        return new RedisFigures(a, b, idle, one);
    }

    private static void localPhase(Plan plan, Report report) throws Exception {
        List<double[]> rows = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            Options opt = new OptionsBuilder()
                    .include(LocalBench.class.getName() + "\\.")
                    .forks(1)
                    .threads(threads)
                    .warmupIterations(plan.jmhWarmups())
                    .warmupTime(TimeValue.milliseconds(plan.jmhIterMillis()))
                    .measurementIterations(plan.jmhIterations())
                    .measurementTime(TimeValue.milliseconds(plan.jmhIterMillis()))
                    .shouldFailOnError(true)
                    .jvmArgsAppend("-Xmx1g")
                    .build();
            double tg = 0;
            double b4 = 0;
            for (RunResult r : new Runner(opt).run()) {
                String name = r.getParams().getBenchmark();
                double score = r.getPrimaryResult().getScore();
                if (name.endsWith("tollgateInMemory")) {
                    tg = score;
                } else if (name.endsWith("bucket4jLocal")) {
                    b4 = score;
                }
            }
            rows.add(new double[] {threads, tg, b4});
        }
        report.local(rows, plan.jmhWarmups(), plan.jmhIterations(), plan.jmhIterMillis());
    }

    private static void writeDoc(Path file, String table, Plan plan, String redisVersion, double secs)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmarks\n\n");
        sb.append("Reproduce (from the repository root, on a quiet machine):\n\n```\n")
                .append("./mvnw -B -pl tollgate-bench -am package -DskipTests\n")
                .append("java -jar tollgate-bench/target/tollgate-bench.jar").append(plan.quick() ? " --quick" : "")
                .append(" --out docs/benchmarks.md\n```\n\n");
        sb.append("| | |\n|---|---|\n");
        sb.append("| date | ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" |\n");
        sb.append("| mode | ").append(plan.quick() ? "--quick (short phases, noisier)" : "full").append(" |\n");
        sb.append("| machine | ").append(Machine.describe()).append(" |\n");
        sb.append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" |\n");
        sb.append("| Redis | ").append(redisVersion).append(" (private redis-server on 127.0.0.1, no persistence) |\n");
        sb.append("| Bucket4j | 8.14.0 (`LettuceBasedProxyManager`, CAS, async API; local `Bucket`) |\n");
        sb.append("| run time | ").append(String.format(Locale.ROOT, "%.0f s", secs)).append(" |\n\n");
        sb.append(table).append('\n');
        sb.append(Report.METHOD);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, sb.toString());
    }
}
