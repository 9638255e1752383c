package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.spring.app.TestApplication;
import io.tollgate.testsupport.http.Http;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/** The same behaviour in a Servlet (Spring MVC on Tomcat) application. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "tollgate.rules.default.capacity=20",
        "tollgate.rules.default.refill-rate=5",
        "tollgate.rules.special_path.capacity=50",
        "tollgate.rules.special_path.refill-rate=5",
        "tollgate.rules.special_path.paths=/special_path/**",
})
class ServletRateLimitingTest {

    @LocalServerPort
    int port;

    @Autowired
    FilterRegistrationBean<?> tollgateServletFilter;

    @Test
    void defaultRuleAllowsTwentyThenAnswers429() {
        Http http = new Http(port);
        for (int i = 1; i <= 20; i++) {
            HttpResponse<String> ok = http.get("/x/" + i);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(Http.header(ok, "RateLimit")).isEqualTo("\"default\";r=" + (20 - i) + ";t=" + ((i + 4) / 5));
        }
        HttpResponse<String> denied = http.get("/x");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(Http.header(denied, "Retry-After")).isEqualTo("1");
        assertThat(Http.header(denied, "RateLimit")).isEqualTo("\"default\";r=0;t=1"); // t is Retry-After on a 429
        assertThat(Http.header(denied, "RateLimit-Policy")).isEqualTo("\"default\";q=20;w=4");
        assertThat(Http.header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(Http.header(denied, "Cache-Control")).isEqualTo("no-store");
        assertThat(Http.header(denied, "Content-Type")).startsWith("application/problem+json");
        assertThat(denied.body()).contains("\"status\":429", "\"rule\":\"default\"", "\"retry_after\":1",
                "\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\"",
                "\"violated-policies\":[\"default\"]");
    }

    @Test
    void specialPathAndExemptPaths() {
        Http http = new Http(port);
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> h = http.get("/health");
            assertThat(h.statusCode()).isEqualTo(200);
            assertThat(Http.header(h, "RateLimit")).isNull();
        }
        assertThat(http.allowedInARow(60, "/special_path")).isEqualTo(50);
        assertThat(http.get("/health/../special_path").statusCode()).isEqualTo(429);
    }

    @Test
    void filterIsRegisteredAtHighPrecedence() {
        assertThat(tollgateServletFilter.getOrder()).isLessThan(0);
    }
}
