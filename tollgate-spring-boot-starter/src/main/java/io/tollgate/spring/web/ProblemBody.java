package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.limiter.Verdict;
import java.nio.charset.StandardCharsets;

/**
 * The RFC 9457 {@code application/problem+json} body of a rejected request, for example
 * <pre>
 * {"type":"https://tollgate.dev/problems/rate-limited","title":"Too Many Requests","status":429,
 *  "detail":"Rate limit of rule \"default\" exceeded; retry in 3 s","rule":"default","retry_after":3}
 * </pre>
 * A 503 (store unavailable, fail-closed) uses type {@code .../limiter-unavailable} and title "Service Unavailable".
 */
public final class ProblemBody {

    public static final String CONTENT_TYPE = "application/problem+json";
    public static final String RATE_LIMITED_TYPE = "https://tollgate.dev/problems/rate-limited";
    public static final String UNAVAILABLE_TYPE = "https://tollgate.dev/problems/limiter-unavailable";

    private ProblemBody() {
    }

    public static byte[] json(Verdict verdict) {
        int status = verdict.rejectionStatus();
        long retry = RateLimitHeaders.retryAfterSeconds(verdict);
        String rule = verdict.rule().name(); // rule names are [A-Za-z0-9_.-]: nothing to escape
        boolean unavailable = status == 503;
        String detail = unavailable
                ? "The rate limiter cannot decide right now; retry in " + retry + " s"
                : "Rate limit of rule \\\"" + rule + "\\\" exceeded; retry in " + retry + " s";
        String body = "{\"type\":\"" + (unavailable ? UNAVAILABLE_TYPE : RATE_LIMITED_TYPE) + "\","
                + "\"title\":\"" + (unavailable ? "Service Unavailable" : "Too Many Requests") + "\","
                + "\"status\":" + status + ","
                + "\"detail\":\"" + detail + "\","
                + "\"rule\":\"" + rule + "\","
                + "\"retry_after\":" + retry + "}";
        return body.getBytes(StandardCharsets.UTF_8);
    }
}
