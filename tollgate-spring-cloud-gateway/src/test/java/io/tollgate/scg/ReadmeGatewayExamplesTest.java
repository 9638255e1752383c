package io.tollgate.scg;

import static io.tollgate.scg.Client.count;
import static io.tollgate.scg.Client.header;
import static io.tollgate.scg.app.GatewayTestApplication.USER_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.scg.app.GatewayTestApplication;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The README's gateway configurations, as they are there (ReadmeExamplesTest keeps the files equal to the README),
 * loaded by a real gateway in front of a real upstream; only the backend's address is replaced by the upstream's.
 */
@Timeout(120)
class ReadmeGatewayExamplesTest {

    @TempDir
    Path dir;

    private Gateway start(String example, String backend, Upstream upstream) throws IOException {
        String yaml = Files.readString(Path.of("src/test/resources/readme", example)).replace(backend, upstream.uri());
        Path config = dir.resolve(example);
        Files.writeString(config, yaml);
        return new Gateway(new SpringApplicationBuilder(GatewayTestApplication.class).run(
                "--spring.main.web-application-type=reactive", "--server.address=127.0.0.1", "--server.port=0",
                "--spring.autoconfigure.exclude=" + Gateway.SPRING_DATA_REDIS,
                "--spring.config.additional-location=file:" + config));
    }

    /** {@code n} requests of one user at once: every one answered, at least the burst and at most its refill let through. */
    private static List<HttpResponse<String>> burst(Gateway gateway, String path, int n, long capacity, double perSecond) {
        Client client = new Client(gateway.port());
        String user = UUID.randomUUID().toString();
        long start = System.nanoTime();
        List<HttpResponse<String>> burst = client.burst(n, path, USER_HEADER, user);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(count(burst, 200)).isBetween(capacity, capacity + (long) Math.ceil(perSecond * seconds));
        assertThat(count(burst, 200) + count(burst, 429)).isEqualTo(n);
        return burst;
    }

    @Test
    void theOneBeanSwitchKeepsTheRoutesNumbers() throws Exception {
        try (Upstream upstream = Upstream.start();
             Gateway gateway = start("gateway-switch.yml", "http://backend:8080", upstream)) {
            // burst 20, then 10 a second, continuously
            List<HttpResponse<String>> burst = burst(gateway, "/api/x", 40, 20, 10);
            assertThat(upstream.hits("api")).isEqualTo((int) count(burst, 200));
            assertThat(header(burst.get(0), "RateLimit-Policy")).isEqualTo("\"api\";q=20;w=2");
        }
    }

    @Test
    void aTollgateRulePerRouteBringsItsLimits() throws Exception {
        try (Upstream upstream = Upstream.start();
             Gateway gateway = start("gateway-rule-per-route.yml", "http://auth:8080", upstream)) {
            // a burst of 5, then 1 a second (the hourly limit of 50 is not reached)
            List<HttpResponse<String>> burst = burst(gateway, "/login/x", 12, 5, 1);
            assertThat(header(burst.get(0), "RateLimit-Policy"))
                    .isEqualTo("\"login\";q=5;w=5, \"login-2\";q=50;w=3600");
        }
    }
}
