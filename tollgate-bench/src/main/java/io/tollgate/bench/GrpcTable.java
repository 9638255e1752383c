package io.tollgate.bench;

import static io.tollgate.bench.Report.pct;
import static io.tollgate.bench.Report.rate;
import static io.tollgate.bench.Report.us;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gRPC phase's table: its saturation and half-load rows, each against the targets, beside the two figures of the
 * same run they are read against: the store alone (case (a), Tollgate default) and the HTTP filter path (the server
 * with the limiter on Redis; null when the HTTP phase did not run it). The JVM CPU split says where the bench JVM's
 * time went on the gRPC path; the store row has no split, its JVM time is the client's and Lettuce's alone.
 */
record GrpcTable(GrpcPhase.Result grpc, AsyncWindow.Result store, HttpPhase.Result http) {

    String markdown() {
        List<String> t = new ArrayList<>();
        t.add("| Run | decisions/s | ÷ store, 10k keys | ÷ HTTP filter path | allowed | calls answered (problems) "
                + "| p50 / p99 / p99.9 / max ms | JVM CPU µs/decision | JVM CPU split µs/decision | "
                + "Redis CPU µs/decision | Target | Met |");
        t.add("|---|---:|---:|---:|---:|---|---|---:|---|---:|---|---|");
        String shareTarget = "≥" + pct(GrpcPhase.TARGET_SHARE) + " of the store";
        String p99Target = String.format(Locale.ROOT, "p99 ≤%.0f ms", GrpcPhase.TARGET_P99_MICROS / 1000);
        if (grpc.failure() != null) {
            row(t, "gRPC phase failed: " + clean(grpc.failure()), "n/a", "", "", "", "", "", "", "", "",
                    shareTarget + ", " + p99Target, "no");
        } else {
            AsyncWindow.Result s = grpc.saturation();
            row(t, "gRPC ShouldRateLimit, saturation: " + RedisBench.WINDOW + " in flight; warm-up "
                            + clean(grpc.warmUp()), rate(s.perSecond()),
                    pct(grpc.shareOf(store)), share(s.perSecond()), pct(s.allowedFraction()),
                    answered(grpc.saturationTally()), "", us(s.clientCpuMicrosPerCall()),
                    String.valueOf(grpc.saturationCpu()), us(s.serverCpuMicrosPerCall()), shareTarget,
                    grpc.throughputMet(store) ? "yes" : "no");
            PacedLoad.Result h = grpc.halfLoad();
            String open = h.waitedForPermit() == 0 ? "" : String.format(Locale.ROOT,
                    "; %,d waited for a permit: not open", h.waitedForPermit());
            row(t, String.format(Locale.ROOT, "gRPC ShouldRateLimit, half load: paced at %s (sent at %s), at most %d"
                            + " in flight; warm-up %s", rate(h.offered()), rate(h.sentPerSecond()), RedisBench.WINDOW,
                            clean(grpc.halfLoadWarmUp())),
                    rate(h.sentPerSecond()),
                    pct(h.sentPerSecond() / store.perSecond()), share(h.sentPerSecond()), pct(h.allowedFraction()),
                    answered(grpc.halfLoadTally()) + open, String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f",
                            h.p50Micros() / 1e3, h.p99Micros() / 1e3, h.p999Micros() / 1e3, h.maxMicros() / 1e3),
                    us(h.clientCpuMicrosPerCall()), String.valueOf(grpc.halfLoadCpu()),
                    us(h.serverCpuMicrosPerCall()), p99Target, grpc.latencyMet() ? "yes" : "no");
        }
        row(t, "for comparison: store alone, " + Contenders.TOLLGATE + ", (a) 10k keys", rate(store.perSecond()),
                "100%", share(store.perSecond()), pct(store.allowedFraction()),
                store.errors() == 0 ? "" : "errors " + store.errors(), "", us(store.clientCpuMicrosPerCall()),
                "", us(store.serverCpuMicrosPerCall()), "", "");
        if (http != null) {
            row(t, String.format(Locale.ROOT, "for comparison: HTTP filter path, limiter %s, %d connections (requests"
                            + "/s; server in its own JVM)", http.mode(), HttpPhase.CONNECTIONS), rate(http.rps()),
                    pct(http.rps() / store.perSecond()), "100%", "",
                    http.errors() == 0 ? "" : "errors " + http.errors(),
                    String.format(Locale.ROOT, "%.2f / %.2f / - / -", http.p50Micros() / 1e3, http.p99Micros() / 1e3),
                    "", "", us(http.redisCpuMicros()), "", "");
        }
        return "Envoy ShouldRateLimit over gRPC, Java client and server in the bench JVM (sharing the cores with each "
                + "other and Redis), Tollgate's batched store, 10k clients, rule "
                + RedisBench.describe(RedisBench.ALLOWED) + ":\n\n"
                + String.join("\n", t) + "\n";
    }

    /** {@code perSecond} over the HTTP filter path's requests/s, "n/a" without it. */
    private String share(double perSecond) {
        return http == null ? "n/a" : pct(perSecond / http.rps());
    }

    private static String answered(GrpcPhase.Tally t) {
        return String.format(Locale.ROOT, "%,d of %,d", t.answered(), t.sent()) + (t.clean() ? ""
                : " (" + t.problems() + ")");
    }

    private static String clean(String text) {
        return text.replace('|', '/').replace('\n', ' ');
    }

    private static void row(List<String> table, String... cells) {
        table.add("| " + String.join(" | ", cells) + " |");
    }
}
