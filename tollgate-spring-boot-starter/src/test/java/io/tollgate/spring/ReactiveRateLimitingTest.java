package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.spring.app.TestApplication;
import io.tollgate.spring.observe.TollgateHealthIndicator;
import io.tollgate.spring.web.TollgateWebFilter;
import io.tollgate.testsupport.http.Http;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A WebFlux application on a random port, rules from properties, no trusted proxies. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive",
        "tollgate.rules.default.capacity=20",
        "tollgate.rules.default.refill-rate=5",
        "tollgate.rules.special_path.capacity=50",
        "tollgate.rules.special_path.refill-rate=5",
        "tollgate.rules.special_path.paths=/special_path/**",
        "tollgate.rules.spoof.capacity=20",
        "tollgate.rules.spoof.refill-rate=5",
        "tollgate.rules.shadow.capacity=2",
        "tollgate.rules.shadow.refill-rate=1",
        "tollgate.rules.shadow.mode=shadow",
        "tollgate.rules.keyed.capacity=3",
        "tollgate.rules.keyed.refill-rate=1",
        "tollgate.rules.keyed.key=header:X-API-Key",
})
class ReactiveRateLimitingTest {

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Autowired
    TollgateHealthIndicator health;

    @Autowired
    TollgateWebFilter filter;

    @Test
    void defaultRuleAllowsTwentyThenAnswers429WithHeadersAndProblemBody() {
        Http http = new Http(port);
        for (int i = 1; i <= 20; i++) {
            HttpResponse<String> ok = http.get("/anything/" + i);
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(Http.header(ok, "RateLimit")).isEqualTo("\"default\";r=" + (20 - i) + ";t=" + ((i + 4) / 5));
            assertThat(Http.header(ok, "RateLimit-Policy")).isEqualTo("\"default\";q=20;w=4");
            assertThat(Http.header(ok, "X-RateLimit-Remaining")).isEqualTo(Integer.toString(20 - i));
        }
        HttpResponse<String> denied = http.get("/anything");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(Http.header(denied, "Retry-After")).isEqualTo("1");
        assertThat(Http.header(denied, "RateLimit")).isEqualTo("\"default\";r=0;t=1"); // t is Retry-After on a 429
        assertThat(Http.header(denied, "RateLimit-Policy")).isEqualTo("\"default\";q=20;w=4");
        assertThat(Http.header(denied, "X-RateLimit-Limit")).isEqualTo("20");
        assertThat(Http.header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(Http.header(denied, "X-RateLimit-Reset")).isEqualTo("4");
        assertThat(Http.header(denied, "Cache-Control")).isEqualTo("no-store");
        assertThat(Http.header(denied, "Content-Type")).startsWith("application/problem+json");
        assertThat(denied.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Quota Exceeded\",\"status\":429,"
                + "\"detail\":\"Rate limit of rule \\\"default\\\" exceeded; retry in 1 s\","
                + "\"violated-policies\":[\"default\"],\"rule\":\"default\",\"retry_after\":1}");
        assertThat(meters.counter("tollgate.decisions", "rule", "default", "outcome", "denied", "policy", "none").count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void specialPathHasItsOwnBucketOfFiftyAndDotSegmentsCannotDodgeIt() {
        Http http = new Http(port);
        int allowed = 0;
        for (int i = 0; i < 60; i++) {
            // half the requests try to hide behind the exempt /health prefix or doubled slashes
            String path = switch (i % 3) {
                case 0 -> "/special_path";
                case 1 -> "/health/../special_path";
                default -> "//special_path//x";
            };
            HttpResponse<String> r = http.get(path);
            if (r.statusCode() == 200) {
                allowed++;
                assertThat(Http.header(r, "RateLimit-Policy")).isEqualTo("\"special_path\";q=50;w=10");
            }
        }
        assertThat(allowed).isEqualTo(50);
    }

    @Test
    void forwardedHeadersFromAnUntrustedPeerDoNotBypassTheLimit() {
        Http http = new Http(port);
        int allowed = 0;
        for (int i = 0; i < 40; i++) {
            String fake = (i % 250) + "." + (i * 7 % 250) + ".1.1";
            HttpResponse<String> r = http.get("/spoof/x", "X-Forwarded-For", fake,
                    "Forwarded", "for=\"" + fake + "\"");
            if (r.statusCode() == 200) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void shadowModeNeverBlocksButReportsHeadersAndMetric() {
        Http http = new Http(port);
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = http.get("/shadow");
            assertThat(r.statusCode()).isEqualTo(200);
            if (i >= 2) {
                assertThat(Http.header(r, "RateLimit")).startsWith("\"shadow\";r=0;");
                assertThat(Http.header(r, "Retry-After")).isNull();
            }
        }
        assertThat(meters.counter("tollgate.decisions", "rule", "shadow", "outcome", "shadow_denied", "policy", "none")
                .count()).isEqualTo(4);
    }

    @Test
    void exemptPathsAreNeverLimited() {
        Http http = new Http(port);
        for (int i = 0; i < 100; i++) {
            for (String path : new String[] {"/health", "/metrics", "/actuator/anything"}) {
                HttpResponse<String> h = http.get(path);
                assertThat(h.statusCode()).as(path).isNotEqualTo(429);
                assertThat(Http.header(h, "RateLimit")).as(path).isNull();
            }
        }
        // The real actuator endpoint too, alternating with a path answered at once, on one keep-alive connection:
        // health is answered off the event loop, so the next request can arrive before the previous exchange has
        // finished. Every one of them must be answered (reactor-netty 1.3.6 stopped reading such a connection).
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> h = http.get("/actuator/health");
            assertThat(h.statusCode()).as("health call %d", i).isEqualTo(200);
            assertThat(Http.header(h, "RateLimit")).isNull();
            assertThat(http.get("/health").statusCode()).as("/health after health call %d", i).isNotEqualTo(429);
        }
    }

    @Test
    void headerKeyRuleKeysByHeaderAndFallsBackToIp() {
        Http http = new Http(port);
        String alice = UUID.randomUUID().toString();
        String bob = UUID.randomUUID().toString();
        assertThat(http.allowedInARow(5, "/keyed", "X-API-Key", alice)).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/keyed", "X-API-Key", bob)).isEqualTo(3);
        assertThat(http.allowedInARow(5, "/keyed")).isEqualTo(3); // no key: the IP's own bucket
        assertThat(http.allowedInARow(5, "/keyed", "X-API-Key", "x".repeat(7000))).isEqualTo(3);
    }

    @Test
    void healthIsUpWithStoreDescriptionAndFilterRunsEarly() {
        var h = health.health();
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails().get("store").toString()).startsWith("in-memory");
        assertThat(filter.getOrder()).isLessThan(0);
    }
}
