package io.tollgate.core.headers;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.limiter.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * The response headers that tell a client about its limit, computed from a {@link Verdict}.
 *
 * <p>IETF form (draft-ietf-httpapi-ratelimit-headers-11), on when {@code ietf}:
 * <pre>
 * RateLimit-Policy: "default";q=20;w=4
 * RateLimit: "default";r=19;t=1
 * </pre>
 * {@code RateLimit-Policy} lists one item per limit of the rule: {@code q} the capacity, {@code w} the seconds an
 * empty bucket takes to fill ({@link io.tollgate.core.bucket.Limit#windowSeconds()}). The first item is named after
 * the rule, further ones {@code "<rule>-2"}, {@code "<rule>-3"}, ... (their 1-based position). {@code RateLimit} has
 * one item, for the limit {@link ReportedLimits#reported chosen} as follows, with {@code r} its whole tokens left:
 * <ul>
 *   <li>Permitted (also a shadow-mode denial, which must look like an allowed request): the tightest limit, and
 *       {@code t} the seconds until it is full again, rounded up: the draft's "effective window" (§4.1.2), a span
 *       within which a client spending no more than {@code r} is never denied by this limit. It is conservative: the
 *       bucket refills meanwhile.
 *   <li>Rejected with a decision (429): the binding limit, the one {@code Retry-After} comes from, and {@code t}
 *       equal to {@code Retry-After}. Draft -11 §6 wants Retry-After no earlier than the end of the effective
 *       window, earlier drafts wanted both to name the same moment; equal values satisfy both.
 * </ul>
 *
 * <p>Legacy form, on when {@code legacy}: {@code X-RateLimit-Limit} (capacity of the reported limit),
 * {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset} (seconds until that limit is full, rounded up, also on a
 * denial: the de-facto meaning of "reset").
 *
 * <p>Always: {@code Retry-After} (whole seconds, rounded up, capped at {@value #MAX_RETRY_AFTER_SECONDS}) when the
 * request is rejected, and {@code X-RateLimit-Degraded: <policy>} when the store failed and a failure policy decided.
 * A local decision under {@code fail-open} or {@code local} reports the local bucket's figures. A shed request (store
 * overloaded) has no bucket decision and is not degraded: it gets {@code Retry-After: 1} only.
 */
public final class RateLimitHeaders {

    /** One header. */
    public record Header(String name, String value) {
    }

    /** Retry-After never exceeds a day: a longer wait (or "never", for a cost above capacity) is not useful to send. */
    public static final long MAX_RETRY_AFTER_SECONDS = 86_400;

    public static final String POLICY = "RateLimit-Policy";
    public static final String RATE_LIMIT = "RateLimit";
    public static final String LEGACY_LIMIT = "X-RateLimit-Limit";
    public static final String LEGACY_REMAINING = "X-RateLimit-Remaining";
    public static final String LEGACY_RESET = "X-RateLimit-Reset";
    public static final String RETRY_AFTER = "Retry-After";
    public static final String DEGRADED = "X-RateLimit-Degraded";

    private final boolean ietf;
    private final boolean legacy;

    public RateLimitHeaders(boolean ietf, boolean legacy) {
        this.ietf = ietf;
        this.legacy = legacy;
    }

    /** Both forms on. */
    public RateLimitHeaders() {
        this(true, true);
    }

    /** The headers for {@code verdict}, in a stable order. */
    public List<Header> headers(Verdict verdict) {
        List<Header> out = new ArrayList<>(8);
        Decision d = verdict.decision();
        boolean rejected = !verdict.permitted();
        if (d != null) {
            BucketSpec spec = d.spec();
            int reported = ReportedLimits.reported(verdict);
            String rule = verdict.rule().name();
            long reset = ceilSeconds(d.resetMicros(reported));
            if (ietf) {
                StringBuilder policy = new StringBuilder();
                for (int i = 0; i < spec.size(); i++) {
                    if (i > 0) {
                        policy.append(", ");
                    }
                    policy.append(policyItem(policyName(rule, i), spec.limit(i).capacity(),
                            spec.limit(i).windowSeconds()));
                }
                out.add(new Header(POLICY, policy.toString()));
                // on a rejection t is Retry-After itself, computed once, so the two can never disagree
                long t = rejected ? retryAfterSeconds(verdict) : reset;
                out.add(new Header(RATE_LIMIT, limitItem(policyName(rule, reported), d.remaining(reported), t)));
            }
            if (legacy) {
                out.add(new Header(LEGACY_LIMIT, Long.toString(spec.limit(reported).capacity())));
                out.add(new Header(LEGACY_REMAINING, Long.toString(d.remaining(reported))));
                out.add(new Header(LEGACY_RESET, Long.toString(reset)));
            }
        }
        if (rejected) {
            out.add(new Header(RETRY_AFTER, Long.toString(retryAfterSeconds(verdict))));
        }
        if (verdict.degraded() && verdict.policyApplied() != null) {
            out.add(new Header(DEGRADED, verdict.policyApplied().label()));
        }
        return out;
    }

    /** Retry-After for a rejected verdict: whole seconds, at least 1, at most {@link #MAX_RETRY_AFTER_SECONDS}. */
    public static long retryAfterSeconds(Verdict verdict) {
        return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, verdict.retryAfterSeconds()));
    }

    /**
     * One item of {@code RateLimit-Policy}: {@code "<name>";q=<quota>;w=<window seconds>}. Every producer of these
     * headers (HTTP filters, Spring Cloud Gateway, the Envoy service) formats items here.
     */
    public static String policyItem(String name, long quota, long windowSeconds) {
        return sfString(name) + ";q=" + quota + ";w=" + windowSeconds;
    }

    /**
     * The item of {@code RateLimit}: {@code "<name>";r=<remaining>;t=<seconds>}, without {@code t} when
     * {@code seconds} is negative (no moment to name, such as a limit that can never pass).
     */
    public static String limitItem(String name, long remaining, long seconds) {
        return sfString(name) + ";r=" + remaining + (seconds < 0 ? "" : ";t=" + seconds);
    }

    /**
     * An RFC 8941 string: printable ASCII, {@code "} and {@code \} escaped, any other character sent as {@code ?}
     * (rule names are tokens already; Envoy descriptor paths can hold anything).
     */
    static String sfString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else {
                sb.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
        }
        return sb.append('"').toString();
    }

    /** Policy item name for limit {@code index} of {@code rule}. */
    public static String policyName(String rule, int index) {
        return index == 0 ? rule : rule + "-" + (index + 1);
    }

    private static long ceilSeconds(long micros) {
        return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
    }

    public boolean ietf() {
        return ietf;
    }

    public boolean legacy() {
        return legacy;
    }
}
