package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testsupport.http.Http;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The real server on a random port with the repository's own {@code rate_limits.json} and the in-memory store.
 * Tests share one context (and so one set of buckets), hence the fixed order: the metrics check comes last.
 */
@SpringBootTest(classes = TollgateServer.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tollgate.rules-file=../rate_limits.json")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerLimitsTest {

    @Value("${local.server.port}")
    int port;

    /**
     * Sends {@code sent} requests at once and checks that exactly {@code capacity} pass, allowing for tokens that the
     * refill genuinely added while the burst was in flight on a slow machine.
     */
    private List<HttpResponse<String>> burstAndCheck(String path, int capacity, double refillPerSecond, int sent) {
        new Http(port).burst("/health", 20); // warm the client, the server and the (skipping) filter: keeps the burst short
        long start = System.nanoTime();
        List<HttpResponse<String>> responses = new Http(port).burst(path, sent);
        double seconds = (System.nanoTime() - start) / 1e9;
        long allowed = responses.stream().filter(r -> r.statusCode() == 200).count();
        long limited = responses.stream().filter(r -> r.statusCode() == 429).count();
        assertThat(allowed + limited).as("every response is 200 or 429").isEqualTo(sent);
        long refilled = (long) Math.floor(seconds * refillPerSecond);
        assertThat(allowed).as("allowed of %d in %.3f s", sent, seconds).isBetween((long) capacity, capacity + refilled);
        return responses;
    }

    @Test
    @Order(1)
    void rootAllowsTwentyThenSays429WithHeaders() {
        List<HttpResponse<String>> responses = burstAndCheck("/", 20, 5, 30);

        HttpResponse<String> ok = responses.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
        assertThat(ok.body()).contains("\"message\":\"Hello from Tollgate\"").contains("\"path\":\"/\"");
        assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=20;w=4");
        assertThat(ok.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith("\"default\";r="));
        assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("20");

        HttpResponse<String> denied = responses.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(denied.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 4L));
        assertThat(denied.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).contains(";r=0;"));
        assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    }

    @Test
    @Order(2)
    void specialPathHasItsOwnFiftyTokenBucket() {
        List<HttpResponse<String>> responses = burstAndCheck("/special_path", 50, 10, 60);
        HttpResponse<String> ok = responses.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
        assertThat(ok.body()).contains("\"path\":\"/special_path\"");
        assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"special_path\";q=50;w=5");
    }

    @Test
    @Order(3)
    void healthAndMetricsAreExemptAndMetricsIsPrometheusText() {
        for (HttpResponse<String> r : new Http(port).burst("/health", 40)) {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("RateLimit")).isEmpty();
        }
        HttpResponse<String> health = new Http(port).get("/health");
        assertThat(health.body()).contains("\"status\":\"UP\"").containsIgnoringCase("tollgate");

        List<HttpResponse<String>> scrapes = new Http(port).burst("/metrics", 30);
        assertThat(scrapes).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        HttpResponse<String> metrics = scrapes.get(0);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(metrics.body()).contains("# TYPE tollgate_decisions").contains("tollgate_decisions_total{");
        assertThat(metrics.headers().firstValue("RateLimit")).isEmpty();
    }
}
