package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.headers.ReportedLimits;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The RFC 9457 {@code application/problem+json} body of a rejected request, using the problem types of
 * draft-ietf-httpapi-ratelimit-headers-11 §5 with their registered titles:
 * <pre>
 * {"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Quota Exceeded","status":429,
 *  "detail":"Rate limit of rule \"api\" exceeded; retry in 10 s","violated-policies":["api","api-2"],
 *  "rule":"api","retry_after":10}
 * </pre>
 * <ul>
 *   <li>429: {@value #QUOTA_EXCEEDED_TYPE}; {@code violated-policies} names (as in {@code RateLimit-Policy}) every limit
 *       of the rule that lacked the tokens for this request.
 *   <li>503, store unavailable under {@code fail-closed}, and 503, request shed because the store is overloaded:
 *       {@value #REDUCED_CAPACITY_TYPE}, since both are a temporary reduction of the limiter's capacity, not a quota
 *       the client exceeded; the {@code detail} tells them apart. No quota was exceeded, so neither has
 *       {@code violated-policies}.
 * </ul>
 * Extension members {@code rule} (the rule that applied) and {@code retry_after} (the {@code Retry-After} seconds) are
 * always present.
 */
public final class ProblemBody {

    public static final String CONTENT_TYPE = "application/problem+json";
    public static final String QUOTA_EXCEEDED_TYPE = "https://iana.org/assignments/http-problem-types#quota-exceeded";
    public static final String REDUCED_CAPACITY_TYPE =
            "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

    private ProblemBody() {
    }

    public static byte[] json(Verdict verdict) {
        int status = verdict.rejectionStatus();
        long retry = RateLimitHeaders.retryAfterSeconds(verdict);
        String rule = verdict.rule().name(); // rule names are [A-Za-z0-9_.-]: nothing to escape, nor in policy names
        StringBuilder body = new StringBuilder(256);
        if (status == 429) {
            body.append("{\"type\":\"").append(QUOTA_EXCEEDED_TYPE).append("\",\"title\":\"Quota Exceeded\",")
                    .append("\"status\":429,")
                    .append("\"detail\":\"Rate limit of rule \\\"").append(rule).append("\\\" exceeded; retry in ")
                    .append(retry).append(" s\",")
                    .append("\"violated-policies\":");
            appendStrings(body, ReportedLimits.violatedPolicies(verdict));
            body.append(',');
        } else {
            // RFC 9457 §3.1.3: the title belongs to the type, so both 503s share it and differ in detail only
            String detail = verdict.outcome() == Outcome.SHED
                    ? "The rate limiter is overloaded; retry in " + retry + " s"
                    : "The rate limiter cannot decide right now; retry in " + retry + " s";
            body.append("{\"type\":\"").append(REDUCED_CAPACITY_TYPE).append("\",\"title\":\"Temporary Reduced Capacity\",")
                    .append("\"status\":").append(status).append(',')
                    .append("\"detail\":\"").append(detail).append("\",");
        }
        body.append("\"rule\":\"").append(rule).append("\",\"retry_after\":").append(retry).append('}');
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendStrings(StringBuilder out, List<String> values) {
        out.append('[');
        for (int i = 0; i < values.size(); i++) {
            out.append(i > 0 ? ",\"" : "\"").append(values.get(i)).append('"');
        }
        out.append(']');
    }
}
