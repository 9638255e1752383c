package io.tollgate.spring.web;

import io.tollgate.core.headers.RateLimitHeaders;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.Verdict;
import java.nio.charset.StandardCharsets;

/**
 * The RFC 9457 {@code application/problem+json} body of a rejected request, for example
 * <pre>
 * {"type":"https://tollgate.dev/problems/rate-limited","title":"Too Many Requests","status":429,
 *  "detail":"Rate limit of rule \"default\" exceeded; retry in 3 s","rule":"default","retry_after":3}
 * </pre>
 * A 503 (store unavailable, fail-closed) uses type {@code .../limiter-unavailable} and title "Service Unavailable";
 * a 503 because the request was shed (store overloaded) uses type {@code .../limiter-overloaded} and title
 * "Service Overloaded".
 */
public final class ProblemBody {

    public static final String CONTENT_TYPE = "application/problem+json";
    public static final String RATE_LIMITED_TYPE = "https://tollgate.dev/problems/rate-limited";
    public static final String UNAVAILABLE_TYPE = "https://tollgate.dev/problems/limiter-unavailable";
    public static final String OVERLOADED_TYPE = "https://tollgate.dev/problems/limiter-overloaded";

    private ProblemBody() {
    }

    public static byte[] json(Verdict verdict) {
        int status = verdict.rejectionStatus();
        long retry = RateLimitHeaders.retryAfterSeconds(verdict);
        String rule = verdict.rule().name(); // rule names are [A-Za-z0-9_.-]: nothing to escape
        String type;
        String title;
        String detail;
        if (verdict.outcome() == Outcome.SHED) {
            type = OVERLOADED_TYPE;
            title = "Service Overloaded";
            detail = "The rate limiter is overloaded; retry in " + retry + " s";
        } else if (status == 503) {
            type = UNAVAILABLE_TYPE;
            title = "Service Unavailable";
            detail = "The rate limiter cannot decide right now; retry in " + retry + " s";
        } else {
            type = RATE_LIMITED_TYPE;
            title = "Too Many Requests";
            detail = "Rate limit of rule \\\"" + rule + "\\\" exceeded; retry in " + retry + " s";
        }
        String body = "{\"type\":\"" + type + "\","
                + "\"title\":\"" + title + "\","
                + "\"status\":" + status + ","
                + "\"detail\":\"" + detail + "\","
                + "\"rule\":\"" + rule + "\","
                + "\"retry_after\":" + retry + "}";
        return body.getBytes(StandardCharsets.UTF_8);
    }
}
