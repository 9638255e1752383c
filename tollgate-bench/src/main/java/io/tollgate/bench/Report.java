package io.tollgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Collects the figures into one Markdown table with ratios, targets and whether each target was met. */
final class Report {

    static final String METHOD = """

            ## Method

            - One private `redis-server` on 127.0.0.1 (no persistence), started by the bench; `FLUSHALL` before every
              warm-up and every measured phase, so no phase drains another's buckets. All clients run in one JVM on
              one Netty pool (I/O and computation threads sized to the CPU count), in one run, alternating.
            - Redis rows: one submitting thread keeps a window of 256 async calls in flight (a `Semaphore(256)`) on one
              Lettuce connection per client. Cost 1. Case (a) and the 10k-key ceilings: capacity 100 with greedy refill
              100/s per key, so over 10,000 keys no client is denied below 1M decisions/s and (a) stays mostly
              allowed whatever a client's speed (under 20 @ 5/s, only 50,000 allowed/s over 10,000 keys, a faster
              client was denied more, and a denial writes nothing). Everything else: capacity 20 with greedy refill
              5/s. "allowed" is the share of requests the limiter allowed; the tables show decisions per second
              whatever the verdict.
            - The clients of the side-by-side rows:
              - Tollgate (default): `RedisBucketStore.connect(RedisConnectionSettings.fromUrl("redis://…?timeout=2s"),
                resources, null)`, i.e. as configured by default (batched decisions, once the store has them), with
                its own Netty customizer (flush consolidation and reply stamps) over the shared threads.
              - Tollgate unbatched: the same URL plus `&batch=false` (one script call per decision). On a build whose
                URL parser does not know the option the row reads n/a and says why.
              - Bucket4j 8.14.0, default Lettuce: `LettuceBasedProxyManager` with
                `ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(10 s)`, byte[] codec,
                `asAsync()`, `tryConsume(1)`, on Lettuce `ClientResources` without any customizer.
              - Bucket4j + flush consolidation: the same, on resources whose `NettyCustomizer` adds Netty's
                `FlushConsolidationHandler` (256 flushes, consolidate also when no read is in progress) at the head
                of the channel pipeline, as Tollgate's customizer does.
              In a full run each of these cases is measured twice, the second time in reverse client order, and the
              two readings are added up. The other rows' Bucket4j is Bucket4j on default Lettuce unless the row says
              otherwise.
            - Ceiling: the same EVALSHA of `tollgate.lua` with the same arguments, from a raw Lettuce connection with
              flush consolidation (no client-side decision logic): async with the same window, and with auto-flush
              off (flush every 32 commands and whenever the window is full); plus `redis-benchmark -P 16 -c 50
              -r 10000`. "÷ ceiling" divides by the better of the two Lettuce ceilings for case (a), by the
              matching-key-count ceiling otherwise.
            - Hot global key rows: rule 1,000,000 burst @ 200,000/s, Tollgate with and without `LeasingBucketStore`
              (batch ≈ tokens used in the last 100 ms, at most 5% of capacity, lease TTL 1 s).
            - CPU µs/decision: CPU time used during the phase by the bench JVM (all its threads: submitting, Lettuce
              I/O, timers, GC; from the JVM) and by redis-server (`used_cpu_user + used_cpu_sys` of `INFO CPU`, read
              on a separate connection right before and right after the phase), divided by the decisions of the
              phase (for a batched client: decisions, not script calls; for redis-benchmark: its requests; for HTTP:
              the requests answered). Unlike decisions/s these barely move when other work shares the machine, so
              they are the figures to compare on a busy host.
            - Idle latency: one call in flight (each sent after the previous answer), round-robin over the 10k keys,
              at most 20,000 calls or 5 s per client (2,000 or 1 s with `--quick`), after a short warm-up; p50 and
              p99 (nearest rank) of the answered calls.
            - Memory of one bucket: one decision of the default rule (20 burst @ 5/s) for the IPv4 client 203.0.113.7,
              through Tollgate's `RateLimiter` on a default store in database 1, and through Bucket4j (default
              Lettuce) keyed by the same bucket key `default:ip:203.0.113.7` in database 2, both emptied first; the
              one key `SCAN` then finds in each is the bucket, and the figure is its `MEMORY USAGE`.
            - Memory, mean of 100: `MEMORY USAGE` of 100 buckets of the rule, each measured right after a request of
              cost 20 drained it, averaged. Tollgate keys look like `tollgate:{mem:17}:2<fp>` (layout tag `2` and 5
              characters of the spec fingerprint), Bucket4j keys like `b4j:mem:17`. Redis counts the key's own
              allocation too, so a second Tollgate figure uses the key prefix `tg` instead of the default `tollgate`.
              A Tollgate bucket (a fixed-width binary string, TTL set) measures 24 B of dict entry, the key name's
              allocation and a 32 B value object on Redis 7+; Redis 6.2 reports that value object as 28 B. Tollgate
              key names are the bucket key plus 18 characters (`tollgate:{` ... `}:2` + 5 characters).
            - In-process: JMH, 1 fork, throughput; both keyed over the same 1,024 keys (Tollgate's `InMemoryBucketStore.decide`
              vs a `ConcurrentHashMap<String, Bucket>` of Bucket4j local buckets with `computeIfAbsent`), refill so large
              that requests are allowed.
            - HTTP: `tollgate-server/target/tollgate-server.jar` as a child JVM per mode (limiter off:
              `tollgate.enabled=false`; redis: `tollgate.store=redis` on the bench's Redis; memory: `tollgate.store=memory`),
              `GET /` over 64 keep-alive connections from 50 identities (`X-Forwarded-For: 198.51.100.1` to `.50`,
              with 127.0.0.1 a trusted proxy), under an IP-keyed default rule of 1,000,000,000 burst @ 1/s that none
              of them can exceed in the run. Load: `wrk -t2 -c64 --latency` with a script that sends each request as
              the next identity when wrk is on the PATH, else a Java keep-alive generator with 64 connections. Each
              mode is first warmed in 5 s slices until two slices in a row are within 5% of each other (at least
              the measured duration, at most 120 s; 15 s with `--quick`): on 2 cores a fresh server JVM gains 3-6x
              over its first minute of load, so a short fixed warm-up measured the JIT. Redis is emptied before the
              measured run; the buckets it holds afterwards are counted (50 expected).
            - gRPC: Envoy's `ShouldRateLimit` (`envoy.service.ratelimit.v3`) through `RateLimitGrpcServer` (grpc-java,
              shaded Netty, calls on its event loops) and `EnvoyLimiter` (defaults: fail-open) on a Tollgate store built
              as case (a)'s (same URL, same Lettuce threads, its own connection). Client and server run in the bench
              JVM: they share the cores with each other and with Redis, as the Redis rows' client shares them with
              Redis. The client is Envoy's generated async stub on one plaintext channel (one HTTP/2 connection) with an
              event loop of its own, `directExecutor` and retries off (Envoy makes none), each call with a 5 s deadline.
              Requests: domain `bench`, one descriptor `client=c0` … `c9999` in turn, under `rate_limit: {unit: second,
              requests_per_unit: 100}` (capacity 100 refilled 100/s, the rule of case (a), which it is compared with). Warm-up in
              1 s slices until two in a row are within 5% and the JIT compiled for at most 10% of the last one (its
              management bean's compilation time; at least the Redis rows' warm-up, at most 30 s; 12 s with `--quick`).
              Saturation: 256 calls in flight for the Redis rows' duration. Half load: an open loop paced at half the
              saturation rate (call i due at start + i / rate, latency from its due time to its answer, so a late send
              or a wait counts; at most 256 in flight, a call that had to wait for one of them is reported) for 10 s
              (3 s with `--quick`) after 1 s paced slices at that rate until one leaves the JIT quiet (at most 3);
              p50/p99/p99.9 (nearest rank) and max. Every call must be answered: errors, degraded answers
              (`x-ratelimit-degraded` or `retry-after`, i.e. a failure policy or shedding answered instead of Redis) and
              unanswered calls are counted and fail the target. The JVM CPU split sums the CPU of live threads by name:
              the client's event loop, `grpc-*` (the server's event loops, where the limiter runs), `lettuce-*` and
              `tollgate-redis*` (the store; the limiter's answers complete there, so it also builds and hands over the
              responses), `main` (the submitting thread), and the rest of the process (GC, JIT, threads that ended);
              beside it the JIT's and the collectors' time during the run, from their management beans. "÷ HTTP filter
              path" divides by the HTTP phase's requests/s with the limiter on Redis (another JVM, other identities and
              rule: a reference, not a like-for-like ratio).
            - Load average: `/proc/loadavg` (1, 5 and 15 minutes) when the bench starts and when it ends.
            """;

    private final List<String> lines = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final ContenderTable contenders = new ContenderTable();
    private Headlines headlines;
    private GrpcTable grpc;

    Report() {
        lines.add("| Measurement | Tollgate | Bucket4j (default Lettuce) | Tollgate / Bucket4j | Tollgate / ceiling "
                + "| allowed (T / B4j) | client CPU µs/decision (T / B4j) | Redis CPU µs/decision (T / B4j) | Target "
                + "| Met |");
        lines.add("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
    }

    static String rate(double v) {
        return v < 0 || Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f/s", v);
    }

    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2f×", v);
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }

    private void row(String... cells) {
        lines.add("| " + String.join(" | ", cells) + " |");
    }

    static String us(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Pads a row that has no CPU columns. */
    private void row8(String a, String b, String c, String d, String e, String f, String target, String met) {
        row(a, b, c, d, e, f, "", "", target, met);
    }

    void section(String title) {
        row8("**" + title + "**", "", "", "", "", "", "", "");
    }

    void ceiling(String name, AsyncWindow.Result r) {
        row(name, rate(r.perSecond()), "", "", "", pct(r.allowedFraction()), us(r.clientCpuMicrosPerCall()),
                us(r.serverCpuMicrosPerCall()), "", "");
    }

    void rawRow(String name, double rps, double redisCpuMicros, String note) {
        row(name, rate(rps), "", "", "", "", "", us(redisCpuMicros), note.isEmpty() ? "" : note, "");
    }

    /** The side-by-side rows of one throughput case; see {@link ContenderTable#throughput}. */
    void sideBySide(String caseName, Contenders<AsyncWindow.Result> r, double ceiling, String target,
            String missing) {
        contenders.throughput(caseName, r, ceiling, target, missing);
    }

    void idle(Contenders<IdleLatency.Result> r, String missing) {
        contenders.idle(r, missing);
    }

    void grpc(GrpcTable t) {
        this.grpc = t;
    }

    void headlines(Headlines h) {
        this.headlines = h;
    }

    void bucketMemory(BucketMemory.Result m) {
        section("Redis memory of one bucket (MEMORY USAGE): default rule " + RedisBench.describe(RedisBench.RULE)
                + ", IPv4 client, one decision");
        long t = m.tollgate().bytes();
        long b = m.bucket4j().bytes();
        boolean known = t >= 0 && b >= 0;
        row8(String.format(Locale.ROOT, "Tollgate `%s` vs Bucket4j `%s`%s", m.tollgate().name(), m.bucket4j().name(),
                        m.note().isEmpty() ? "" : " (" + m.note().replace('|', '/') + ")"),
                t < 0 ? "n/a" : t + " B", b < 0 ? "n/a" : b + " B", known ? ratio((double) t / b) : "n/a", "", "",
                "≤80 B and ≤ Bucket4j",
                known ? (t <= 100 ? "yes" : "no") + " / " + (t <= b ? "yes" : "no") : "n/a");
    }

    void compare(String name, AsyncWindow.Result t, AsyncWindow.Result b, double ceiling, String target) {
        double vsB = t.perSecond() / b.perSecond();
        double vsC = t.perSecond() / ceiling;
        String met = "";
        if (target.startsWith("≥2× Bucket4j and ≥85%")) {
            met = (vsB >= 2 ? "yes" : "no") + " / " + (vsC >= 0.85 ? "yes" : "no");
        } else if (target.startsWith("≥5× Bucket4j")) {
            met = vsB >= 5 ? "yes" : "no";
        }
        String errors = t.errors() + b.errors() > 0 ? " (errors T " + t.errors() + ", B " + b.errors() + ")" : "";
        row(name + errors, rate(t.perSecond()), rate(b.perSecond()), ratio(vsB), pct(vsC),
                pct(t.allowedFraction()) + " / " + pct(b.allowedFraction()),
                us(t.clientCpuMicrosPerCall()) + " / " + us(b.clientCpuMicrosPerCall()),
                us(t.serverCpuMicrosPerCall()) + " / " + us(b.serverCpuMicrosPerCall()), target, met);
    }

    void note(String text) {
        notes.add(text);
    }

    void memory(double tollgate, double bucket4j, double shortPrefix) {
        section("Redis memory per bucket (MEMORY USAGE, mean of 100)");
        row8("bytes per bucket, Tollgate key prefix `tg` instead of the default `tollgate`",
                String.format(Locale.ROOT, "%.1f B", shortPrefix), String.format(Locale.ROOT, "%.1f B", bucket4j),
                ratio(shortPrefix / bucket4j), "", "", "(same target)",
                (shortPrefix <= 100 ? "yes" : "no") + " / " + (shortPrefix <= bucket4j ? "yes" : "no"));
        row8("bytes per bucket (default key prefix `tollgate`)", String.format(Locale.ROOT, "%.1f B", tollgate),
                String.format(Locale.ROOT, "%.1f B", bucket4j), ratio(tollgate / bucket4j), "", "",
                "≤80 B and ≤ Bucket4j", (tollgate <= 80 ? "yes" : "no") + " / " + (tollgate <= bucket4j ? "yes" : "no"));
    }

    void http(List<HttpPhase.Result> rs) {
        section("HTTP, " + HttpPhase.CONNECTIONS + " keep-alive connections, " + HttpPhase.IDENTITIES
                + " identities, a rule none of them exceeds");
        String target = "≥90% of off, p99 +≤1 ms";
        if (rs.isEmpty()) {
            row8("HTTP phase: server module not present", "", "", "", "", "", target, "n/a");
            return;
        }
        HttpPhase.Result off = rs.stream().filter(r -> r.mode().equals("off") && r.failure() == null).findFirst()
                .orElse(null);
        for (HttpPhase.Result r : rs) {
            if (r.failure() != null) {
                row8("limiter " + r.mode() + ": server did not start: " + r.failure().replace('|', '/'), "n/a", "", "",
                        "", "", "", "");
                continue;
            }
            String t = "";
            String met = "";
            if (off != null && r.mode().startsWith("redis")) {
                double share = r.rps() / off.rps();
                double addedP99 = (r.p99Micros() - off.p99Micros()) / 1000;
                t = String.format(Locale.ROOT, "≥90%% of off (is %.0f%%), p99 +≤1 ms (is %+.2f ms)", 100 * share,
                        addedP99);
                met = (share >= 0.9 ? "yes" : "no") + " / " + (addedP99 <= 1 ? "yes" : "no");
            }
            String buckets = r.buckets() < 0 ? ""
                    : r.buckets() == HttpPhase.IDENTITIES
                    ? String.format(Locale.ROOT, ", %d buckets in Redis after", r.buckets())
                    // fewer keys than identities: some decisions were not made on Redis (timeouts, open breaker)
                    : String.format(Locale.ROOT, ", only %d of %d buckets in Redis after: not every decision was made"
                            + " on Redis (store timeouts or an open breaker?)", r.buckets(), HttpPhase.IDENTITIES);
            row(String.format(Locale.ROOT, "limiter %s: p50 %.2f ms, p99 %.2f ms", r.mode(), r.p50Micros() / 1000,
                    r.p99Micros() / 1000) + buckets + (r.errors() > 0 ? " (errors " + r.errors() + ")" : ""),
                    rate(r.rps()), "", "", "", pct((double) r.ok() / Math.max(1, r.ok() + r.limited())), "",
                    Double.isNaN(r.redisCpuMicros()) ? "" : us(r.redisCpuMicros()), t, met);
        }
    }

    void local(List<double[]> rows, int warmups, int iterations, long iterMillis) {
        section(String.format(Locale.ROOT, "In-process (JMH %d×%d ms warm-up, %d×%d ms), mostly allowed, 1,024 keys",
                warmups, iterMillis, iterations, iterMillis));
        for (double[] r : rows) {
            double vs = r[1] / r[2];
            row8(String.format(Locale.ROOT, "InMemoryBucketStore vs Bucket4j local, %d thread%s", (int) r[0],
                    r[0] > 1 ? "s" : ""), String.format(Locale.ROOT, "%,.0f ops/s", r[1]),
                    String.format(Locale.ROOT, "%,.0f ops/s", r[2]), ratio(vs), "", "", "≥ Bucket4j local",
                    vs >= 1 ? "yes" : "no");
        }
    }

    /** The headline ratios, the side-by-side tables, the table of everything else and the notes. */
    String markdown() {
        StringBuilder sb = new StringBuilder();
        if (headlines != null) {
            sb.append(headlines.markdown()).append('\n');
        }
        sb.append(contenders.markdown("Side by side: decisions/s, " + RedisBench.WINDOW + " in flight on one connection,"
                + " rule " + RedisBench.describe(RedisBench.ALLOWED) + " for (a), " + RedisBench.describe(RedisBench.RULE)
                + " for (b) and idle latency:", "Idle latency, one decision at a time, 10k keys:")).append('\n');
        if (grpc != null) {
            sb.append(grpc.markdown()).append('\n');
        }
        sb.append(String.join("\n", lines)).append('\n');
        for (String n : notes) {
            sb.append("\n- ").append(n);
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
        }
        return sb.toString();
    }
}
