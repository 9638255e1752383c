package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testsupport.http.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What a rejected request says, end to end through a real server: {@code t} equals {@code Retry-After} on a 429 and
 * names the binding limit, and the problem types of draft-ietf-httpapi-ratelimit-headers-11. Run once per web stack
 * by its subclasses, on {@link io.tollgate.spring.problemapp.ProblemTestApplication}, whose clock never moves.
 */
abstract class ProblemTypesContract {

    static final Path RULES;

    static {
        try {
            RULES = Files.createTempFile("tollgate-problem-rules", ".json");
            RULES.toFile().deleteOnExit();
            Files.writeString(RULES, """
                    {
                      "multi": {"limits": [{"capacity": 2, "refill_rate": 1},
                                           {"capacity": 2, "refill_rate": 6, "period": "minute"}]},
                      "slow": {"limits": [{"capacity": 5, "refill_rate": 5},
                                          {"capacity": 2, "refill_rate": 1, "period": "minute"}]},
                      "unavailable": {"capacity": 5, "refill_rate": 1, "failure_policy": "fail-closed"},
                      "overloaded": {"capacity": 5, "refill_rate": 1}
                    }
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void rulesFile(DynamicPropertyRegistry registry) {
        registry.add("tollgate.rules-file", RULES::toString);
    }

    @LocalServerPort
    int port;

    @Test
    void aDenialByBothLimitsReportsTheSlowerSecondOneWithTEqualToRetryAfter() {
        Http http = new Http(port);
        assertThat(Http.header(http.get("/multi"), "RateLimit")).isEqualTo("\"multi\";r=1;t=1");
        assertThat(Http.header(http.get("/multi"), "RateLimit")).isEqualTo("\"multi\";r=0;t=2");

        // both limits are empty; the first refills a token in 1 s, the second in 10 s: the second binds
        HttpResponse<String> denied = http.get("/multi");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(Http.header(denied, "Retry-After")).isEqualTo("10");
        assertThat(Http.header(denied, "RateLimit")).isEqualTo("\"multi-2\";r=0;t=10");
        assertThat(Http.header(denied, "RateLimit-Policy")).isEqualTo("\"multi\";q=2;w=2, \"multi-2\";q=2;w=20");
        assertThat(Http.header(denied, "X-RateLimit-Limit")).isEqualTo("2");
        assertThat(Http.header(denied, "X-RateLimit-Reset")).isEqualTo("20");
        assertThat(Http.header(denied, "Content-Type")).startsWith("application/problem+json");
        assertThat(denied.body()).isEqualTo(
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Quota Exceeded\","
                        + "\"status\":429,\"detail\":\"Rate limit of rule \\\"multi\\\" exceeded; retry in 10 s\","
                        + "\"violated-policies\":[\"multi\",\"multi-2\"],\"rule\":\"multi\",\"retry_after\":10}");
    }

    @Test
    void aDenialByTheSecondLimitAloneNamesOnlyItAndItsNextToken() {
        Http http = new Http(port);
        assertThat(Http.header(http.get("/slow"), "RateLimit")).isEqualTo("\"slow-2\";r=1;t=60");
        assertThat(Http.header(http.get("/slow"), "RateLimit")).isEqualTo("\"slow-2\";r=0;t=120");

        HttpResponse<String> denied = http.get("/slow");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(Http.header(denied, "Retry-After")).isEqualTo("60");
        assertThat(Http.header(denied, "RateLimit")).isEqualTo("\"slow-2\";r=0;t=60");
        assertThat(Http.header(denied, "X-RateLimit-Reset")).isEqualTo("120"); // legacy reset: until full
        assertThat(denied.body()).contains("\"violated-policies\":[\"slow-2\"]", "\"rule\":\"slow\"",
                "\"retry_after\":60");
    }

    @Test
    void failClosedIs503TemporaryReducedCapacity() {
        HttpResponse<String> r = new Http(port).get("/unavailable");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(Http.header(r, "Retry-After")).isEqualTo("1");
        assertThat(Http.header(r, "X-RateLimit-Degraded")).isEqualTo("fail-closed");
        assertThat(Http.header(r, "RateLimit")).isNull();
        assertThat(Http.header(r, "Cache-Control")).isEqualTo("no-store");
        assertThat(Http.header(r, "Content-Type")).startsWith("application/problem+json");
        assertThat(r.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types"
                + "#temporary-reduced-capacity\",\"title\":\"Temporary Reduced Capacity\",\"status\":503,"
                + "\"detail\":\"The rate limiter cannot decide right now; retry in 1 s\","
                + "\"rule\":\"unavailable\",\"retry_after\":1}");
    }

    @Test
    void aShedRequestIs503TemporaryReducedCapacityToo() {
        HttpResponse<String> r = new Http(port).get("/overloaded");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(Http.header(r, "Retry-After")).isEqualTo("1");
        assertThat(Http.header(r, "X-RateLimit-Degraded")).isNull();
        assertThat(Http.header(r, "RateLimit")).isNull();
        assertThat(r.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types"
                + "#temporary-reduced-capacity\",\"title\":\"Temporary Reduced Capacity\",\"status\":503,"
                + "\"detail\":\"The rate limiter is overloaded; retry in 1 s\","
                + "\"rule\":\"overloaded\",\"retry_after\":1}");
    }
}
