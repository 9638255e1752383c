package io.tollgate.bench;

import static io.tollgate.bench.Report.ratio;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The few ratios the run is read for, each computed from figures of the same run and named with its inputs:
 * Tollgate against Bucket4j given the same flush consolidation, batched against unbatched, Redis CPU per decision,
 * memory per bucket, HTTP with the limiter on Redis against the limiter off, and Envoy's ShouldRateLimit over gRPC
 * against the store alone and at half its load.
 */
record Headlines(Contenders<AsyncWindow.Result> tenK, Contenders<AsyncWindow.Result> hot,
                 Contenders<IdleLatency.Result> idle, BucketMemory.Result memory, List<HttpPhase.Result> http,
                 GrpcPhase.Result grpc, String loadStart, String loadEnd) {

    /** Limiter-on-Redis requests/s over limiter-off requests/s, NaN when either is missing. */
    static double httpShare(List<HttpPhase.Result> rs) {
        HttpPhase.Result off = find(rs, "off");
        HttpPhase.Result redis = find(rs, "redis");
        return off == null || redis == null ? Double.NaN : redis.rps() / off.rps();
    }

    /** The first successful result whose mode starts with {@code modePrefix}, or null. */
    static HttpPhase.Result find(List<HttpPhase.Result> rs, String modePrefix) {
        for (HttpPhase.Result r : rs) {
            if (r.failure() == null && r.mode().startsWith(modePrefix)) {
                return r;
            }
        }
        return null;
    }

    String markdown() {
        List<String> l = new ArrayList<>();
        l.add("| Headline | Value | From | Target |");
        l.add("|---|---:|---|---|");
        AsyncWindow.Result t = tenK.tollgate();
        AsyncWindow.Result bf = tenK.bucket4jFlushed();
        l.add(row("Tollgate ÷ Bucket4j + flush consolidation, 10k keys", ratio(t.perSecond() / bf.perSecond()),
                rates(t, bf), "≥2×"));
        AsyncWindow.Result u = tenK.unbatched();
        l.add(row("Tollgate ÷ Tollgate unbatched, 10k keys",
                u == null ? "n/a" : ratio(t.perSecond() / u.perSecond()),
                u == null ? "unbatched not measured on this build" : rates(t, u), ""));
        l.add(row("Redis CPU per decision, Tollgate ÷ Bucket4j + flush consolidation, 10k keys",
                ratio(t.serverCpuMicrosPerCall() / bf.serverCpuMicrosPerCall()),
                String.format(Locale.ROOT, "%s / %s µs", Report.us(t.serverCpuMicrosPerCall()),
                        Report.us(bf.serverCpuMicrosPerCall())), ""));
        AsyncWindow.Result ht = hot.tollgate();
        AsyncWindow.Result hbf = hot.bucket4jFlushed();
        l.add(row("hot key, raw store, no deny cache: Tollgate ÷ Bucket4j + flush consolidation",
                ratio(ht.perSecond() / hbf.perSecond()), rates(ht, hbf), ""));
        IdleLatency.Result it = idle.tollgate();
        IdleLatency.Result iu = idle.unbatched();
        l.add(row("idle latency (1 in flight), Tollgate p50 / p99",
                String.format(Locale.ROOT, "%.0f / %.0f µs", it.p50Micros(), it.p99Micros()),
                iu == null ? "unbatched not measured on this build" : String.format(Locale.ROOT,
                        "unbatched %.0f / %.0f µs", iu.p50Micros(), iu.p99Micros()), ""));
        BucketMemory.Key mt = memory.tollgate();
        BucketMemory.Key mb = memory.bucket4j();
        l.add(row("Redis memory of one default-rule IPv4 bucket, Tollgate ÷ Bucket4j",
                mt.bytes() < 0 || mb.bytes() < 0 ? "n/a" : ratio((double) mt.bytes() / mb.bytes()),
                String.format(Locale.ROOT, "%d B `%s` / %d B `%s`", mt.bytes(), mt.name(), mb.bytes(), mb.name()),
                "≤80 B and ≤ Bucket4j"));
        double share = httpShare(http);
        l.add(row("HTTP, limiter on Redis ÷ limiter off (" + HttpPhase.CONNECTIONS + " connections, "
                        + HttpPhase.IDENTITIES + " identities)", Double.isNaN(share) ? "n/a" : Report.pct(share),
                httpRates(), "≥90%" + (Double.isNaN(share) ? "" : share >= 0.9 ? " (met)" : " (not met)")));
        grpcRows(l);
        l.add(row("load average (1, 5, 15 min), start → end", "", loadStart + " → " + loadEnd,
                "quiet machine: below ~0.5"));
        return String.join("\n", l) + "\n";
    }

    private void grpcRows(List<String> l) {
        String share = "gRPC ShouldRateLimit ÷ store, 10k keys";
        String p99 = "gRPC p99 at half load";
        String shareTarget = "≥" + Report.pct(GrpcPhase.TARGET_SHARE);
        String p99Target = String.format(Locale.ROOT, "≤%.0f ms", GrpcPhase.TARGET_P99_MICROS / 1000);
        if (grpc.failure() != null) {
            String why = "gRPC phase failed: " + grpc.failure().replace('|', '/').replace('\n', ' ');
            l.add(row(share, "n/a", why, shareTarget + " (not met)"));
            l.add(row(p99, "n/a", why, p99Target + " (not met)"));
            return;
        }
        AsyncWindow.Result t = tenK.tollgate();
        AsyncWindow.Result s = grpc.saturation();
        GrpcPhase.Tally st = grpc.saturationTally();
        l.add(row(share, Report.pct(grpc.shareOf(t)), Report.rate(s.perSecond()) + " / " + Report.rate(t.perSecond())
                        + " (" + Contenders.TOLLGATE + ", (a) 10k keys)" + (st.clean() ? "" : "; " + st.problems()),
                shareTarget + (grpc.throughputMet(t) ? " (met)" : " (not met)")));
        PacedLoad.Result h = grpc.halfLoad();
        GrpcPhase.Tally ht = grpc.halfLoadTally();
        String open = h.waitedForPermit() == 0 ? "" : String.format(Locale.ROOT, "; %,d calls waited for one of %d"
                + " permits: not an open load", h.waitedForPermit(), RedisBench.WINDOW);
        l.add(row(p99, String.format(Locale.ROOT, "%.2f ms", h.p99Micros() / 1000),
                String.format(Locale.ROOT, "paced at %s (half the gRPC saturation rate), p50 %.2f ms, p99.9 %.2f ms",
                        Report.rate(h.offered()), h.p50Micros() / 1000, h.p999Micros() / 1000)
                        + (ht.clean() ? "" : "; " + ht.problems()) + open,
                p99Target + (grpc.latencyMet() ? " (met)" : " (not met)")));
    }

    private String httpRates() {
        HttpPhase.Result off = find(http, "off");
        HttpPhase.Result redis = find(http, "redis");
        return off == null || redis == null ? "HTTP phase incomplete"
                : Report.rate(redis.rps()) + " / " + Report.rate(off.rps());
    }

    private static String rates(AsyncWindow.Result a, AsyncWindow.Result b) {
        return Report.rate(a.perSecond()) + " / " + Report.rate(b.perSecond());
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |";
    }
}
