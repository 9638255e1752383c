package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.rules.RuleSetSource;
import io.tollgate.spring.app.TestApplication;
import io.tollgate.testsupport.http.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Rules from a watched temp file: edits apply within seconds, a broken edit keeps the rules in force. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive",
        "tollgate.reload-interval=200ms",
})
class HotReloadTest {

    static final Path RULES;

    static {
        try {
            RULES = Files.createTempFile("tollgate-rules", ".json");
            RULES.toFile().deleteOnExit();
            Files.writeString(RULES, rules(3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void rulesFile(DynamicPropertyRegistry registry) {
        registry.add("tollgate.rules-file", RULES::toString);
    }

    static String rules(int capacity) {
        return "{\"default\": {\"capacity\": " + capacity + ", \"refill_rate\": 5, \"period\": \"second\"},"
                + " \"exempt_paths\": [\"/open/**\"]}";
    }

    @LocalServerPort
    int port;

    @Autowired
    RuleSetSource rules;

    @Test
    void capacityEditAppliesAndInvalidEditIsIgnored() throws Exception {
        Http http = new Http(port);
        assertThat(http.allowedInARow(10, "/r")).isEqualTo(3);
        assertThat(http.get("/open/x").statusCode()).isEqualTo(200); // exempt_paths from the file apply

        Files.writeString(RULES, rules(8));
        long deadline = System.nanoTime() + 3_000_000_000L;
        int code = 429;
        while (code == 429 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            code = http.get("/r").statusCode();
        }
        assertThat(code).as("new rules within 3 s").isEqualTo(200);
        // a changed limit is a new bucket: 8 tokens, one of which the probe above took
        assertThat(http.allowedInARow(10, "/r")).isEqualTo(7);
        assertThat(http.get("/r").headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=8;w=2");

        Files.writeString(RULES, "{\"default\": {\"capacity\": -1}}");
        Thread.sleep(1000);
        assertThat(rules.current().defaultRule().orElseThrow().spec().limit(0).capacity()).isEqualTo(8);
        assertThat(http.get("/r").headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=8;w=2");
    }
}
