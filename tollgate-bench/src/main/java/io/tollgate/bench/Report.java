package io.tollgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Collects the figures into one Markdown table with ratios, targets and whether each target was met. */
final class Report {

    static final String METHOD = """

            ## Method

            - One private `redis-server` on 127.0.0.1 (no persistence), started by the bench; `FLUSHALL` before every
              warm-up and every measured phase, so no phase drains another's buckets.
            - Redis rows: one submitting thread keeps a window of 256 async calls in flight (a `Semaphore(256)`) on one
              shared Lettuce connection per client (Tollgate: `RedisBucketStore`, String codec; Bucket4j 8.14.0:
              `LettuceBasedProxyManager` with `ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(10 s)`,
              byte[] codec, `asAsync()`, `tryConsume(1)`). All clients share one `ClientResources` (I/O and computation
              pools sized to the CPU count). Cost 1, rule capacity 20 with greedy refill 5/s on both.
              "allowed" is the share of requests the limiter allowed; the table shows decisions per second whatever
              the verdict.
            - Ceiling: the same EVALSHA of `tollgate.lua` with the same arguments, from a raw Lettuce connection (no
              client-side decision logic): async with the same window, and with auto-flush off (flush every 32
              commands and whenever the window is full); plus `redis-benchmark -P 16 -c 50 -r 10000`. "Tollgate / ceiling"
              divides by the better of the two Lettuce ceilings for case (a), by the matching-key-count ceiling otherwise.
            - Hot global key rows: rule 1,000,000 burst @ 200,000/s, Tollgate with and without `LeasingBucketStore`
              (batch ≈ tokens used in the last 100 ms, at most 5% of capacity, lease TTL 1 s).
            - CPU µs/call: CPU time used by the bench JVM (all its threads: submitting, Lettuce I/O, timers, GC) and by
              redis-server (from /proc, 10 ms ticks) during the phase, divided by the calls completed. Unlike calls/s
              these barely move when other work shares the machine, so they are the figures to compare on a busy host.
            - Memory: `MEMORY USAGE` of 100 buckets of the rule, each measured right after a request of cost 20
              drained it, averaged. Tollgate keys look like `tollgate:{mem:17}:<fingerprint>`, Bucket4j keys like
              `b4j:mem:17`. Redis counts the key's own allocation too, so a second Tollgate figure uses the key prefix
              `tg` instead of the default `tollgate`. On Redis 7.0 a Tollgate bucket (a 2-field hash, TTL set) measures
              80 B with a 1-character key name, 88 B up to ~14 characters and 104 B from 16 to 30 characters: the
              value is already at the smallest allocation, the rest is Redis's per-key overhead and the key name.
              Tollgate key names are the bucket key plus 21 characters (`tollgate:{` ... `}:` + 8-digit fingerprint).
            - In-process: JMH, 1 fork, throughput; both keyed over the same 1,024 keys (Tollgate's `InMemoryBucketStore.decide`
              vs a `ConcurrentHashMap<String, Bucket>` of Bucket4j local buckets with `computeIfAbsent`), refill so large
              that requests are allowed.
            - HTTP: `tollgate-server/target/tollgate-server.jar` as a child JVM per mode (limiter off:
              `tollgate.enabled=false`; redis: `tollgate.store=redis` on the bench's Redis; memory: `tollgate.store=memory`),
              a rule that always allows (every request comes from 127.0.0.1, i.e. one bucket), `GET /`. Load: `wrk -t2
              -c32 --latency` when wrk is on the PATH, else a Java keep-alive generator with 32 connections; a warm-up of
              at least 3 s first (a fresh server JVM is far from its steady state for seconds).
            """;

    private final List<String> lines = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Report() {
        lines.add("| Measurement | Tollgate | Bucket4j | Tollgate / Bucket4j | Tollgate / ceiling | allowed (T / B4j) "
                + "| client CPU µs/call (T / B4j) | redis CPU µs/call (T / B4j) | Target | Met |");
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

    void rawRow(String name, double rps, String note) {
        row8(name, rate(rps), "", "", "", "", note.isEmpty() ? "" : note, "");
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
                "≤100 B and ≤ Bucket4j", (tollgate <= 100 ? "yes" : "no") + " / " + (tollgate <= bucket4j ? "yes" : "no"));
    }

    void http(List<HttpPhase.Result> rs) {
        section("HTTP, 32 keep-alive connections");
        if (rs.isEmpty()) {
            row8("HTTP phase: server module not present", "", "", "", "", "", "≥80% of limiter-off rps, p99 +≤1 ms", "n/a");
            return;
        }
        HttpPhase.Result off = rs.stream().filter(r -> r.mode().equals("off")).findFirst().orElse(null);
        for (HttpPhase.Result r : rs) {
            if (r.failure() != null) {
                row8("limiter " + r.mode() + ": server did not start: " + r.failure().replace('|', '/'), "n/a", "", "",
                        "", "", "", "");
                continue;
            }
            String target = "";
            String met = "";
            if (off != null && off.failure() == null && r.mode().startsWith("redis")) {
                double share = r.rps() / off.rps();
                double addedP99 = (r.p99Micros() - off.p99Micros()) / 1000;
                target = String.format(Locale.ROOT, "≥80%% of off (is %.0f%%), p99 +≤1 ms (is %+.2f ms)", 100 * share,
                        addedP99);
                met = (share >= 0.8 ? "yes" : "no") + " / " + (addedP99 <= 1 ? "yes" : "no");
            }
            row8(String.format(Locale.ROOT, "limiter %s: p50 %.2f ms, p99 %.2f ms", r.mode(), r.p50Micros() / 1000,
                    r.p99Micros() / 1000) + (r.errors() > 0 ? " (errors " + r.errors() + ")" : ""),
                    rate(r.rps()), "", "", "", pct((double) r.ok() / Math.max(1, r.ok() + r.limited())), target, met);
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

    String markdown() {
        StringBuilder sb = new StringBuilder(String.join("\n", lines)).append('\n');
        for (String n : notes) {
            sb.append("\n- ").append(n);
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
        }
        return sb.toString();
    }
}
