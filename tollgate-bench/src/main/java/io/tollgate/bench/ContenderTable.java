package io.tollgate.bench;

import static io.tollgate.bench.Report.pct;
import static io.tollgate.bench.Report.rate;
import static io.tollgate.bench.Report.ratio;
import static io.tollgate.bench.Report.us;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side tables: one row per client ({@link Contenders}) for each throughput case, and the idle latency.
 * Every row carries Redis's CPU per decision, so clients can be compared on what they cost the server.
 */
final class ContenderTable {

    private final List<String> throughput = new ArrayList<>();
    private final List<String> idle = new ArrayList<>();

    ContenderTable() {
        throughput.add("| Case | Client | decisions/s | ÷ Bucket4j default | ÷ Bucket4j + flush consolidation "
                + "| ÷ ceiling | allowed | client CPU µs/decision | Redis CPU µs/decision | Target | Met |");
        throughput.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        idle.add("| Client | calls (errors) | p50 µs | p99 µs | client CPU µs/decision | Redis CPU µs/decision |");
        idle.add("|---|---:|---:|---:|---:|---:|");
    }

    /**
     * Rows of one case. {@code target} applies to the Tollgate row: "≥2× Bucket4j and ≥85% of ceiling" is checked
     * against Bucket4j with flush consolidation, the stronger of the two; {@code missing} explains an absent row.
     */
    void throughput(String caseName, Contenders<AsyncWindow.Result> r, double ceiling, String target,
            String missing) {
        List<AsyncWindow.Result> rs = r.inOrder();
        for (int i = 0; i < rs.size(); i++) {
            String client = Contenders.NAMES.get(i);
            AsyncWindow.Result x = rs.get(i);
            String label = i == 0 ? caseName : "";
            if (x == null) {
                row(throughput, label, client, "n/a", "", "", "", "", "", "", missing == null ? "" : clean(missing),
                        "");
                continue;
            }
            double vsPlain = x.perSecond() / r.bucket4j().perSecond();
            double vsFlushed = x.perSecond() / r.bucket4jFlushed().perSecond();
            double vsCeiling = x.perSecond() / ceiling;
            String t = i == 0 ? target : "";
            String met = "";
            if (i == 0 && target.startsWith("≥2× Bucket4j and ≥85%")) {
                met = (vsFlushed >= 2 ? "yes" : "no") + " / " + (vsCeiling >= 0.85 ? "yes" : "no");
            }
            String errors = x.errors() > 0 ? " (errors " + x.errors() + ")" : "";
            row(throughput, label, client + errors, rate(x.perSecond()), ratio(vsPlain), ratio(vsFlushed),
                    pct(vsCeiling), pct(x.allowedFraction()), us(x.clientCpuMicrosPerCall()),
                    us(x.serverCpuMicrosPerCall()), t, met);
        }
    }

    void idle(Contenders<IdleLatency.Result> r, String missing) {
        List<IdleLatency.Result> rs = r.inOrder();
        for (int i = 0; i < rs.size(); i++) {
            IdleLatency.Result x = rs.get(i);
            if (x == null) {
                row(idle, Contenders.NAMES.get(i), missing == null ? "n/a" : clean(missing), "", "", "", "");
                continue;
            }
            row(idle, Contenders.NAMES.get(i), String.format(Locale.ROOT, "%,d (%d)", x.calls(), x.errors()),
                    String.format(Locale.ROOT, "%.0f", x.p50Micros()), String.format(Locale.ROOT, "%.0f",
                            x.p99Micros()), us(x.clientCpuMicrosPerCall()), us(x.serverCpuMicrosPerCall()));
        }
    }

    /** A note fit for a table cell. */
    private static String clean(String text) {
        return text.replace('|', '/').replace('\n', ' ');
    }

    private static void row(List<String> table, String... cells) {
        table.add("| " + String.join(" | ", cells) + " |");
    }

    String markdown(String throughputTitle, String idleTitle) {
        return throughputTitle + "\n\n" + String.join("\n", throughput) + "\n\n" + idleTitle + "\n\n"
                + String.join("\n", idle) + "\n";
    }
}
