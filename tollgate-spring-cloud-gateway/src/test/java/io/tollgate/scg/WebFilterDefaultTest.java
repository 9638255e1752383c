package io.tollgate.scg;

import static io.tollgate.scg.Client.header;
import static io.tollgate.scg.app.GatewayTestApplication.USER_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.scg.Gateway.Route;
import io.tollgate.scg.app.GatewayTestApplication;
import io.tollgate.spring.web.TollgatePrincipalWebFilter;
import io.tollgate.spring.web.TollgateWebFilter;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * In a gateway the starter's WebFilter is off unless {@code tollgate.web.enabled=true}: routes are limited by their
 * RequestRateLimiter alone. The starter's default rule here allows one request an hour, so wherever the WebFilter
 * runs, a client's second request is a 429 of rule "default"; the routes allow three.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(120)
class WebFilterDefaultTest {

    private static final String LIMITER = "#{@tollgateGatewayRateLimiter}";
    private static final String BOTH_APPLY = "Tollgate's WebFilter is on (tollgate.web.enabled=true)";

    /**
     * A gateway in front of {@code upstream}: route {@code id} allows a user 3 requests, the starter's rule 1 an hour;
     * {@code defaults} as SpringApplication's default properties, the weakest source an application sets.
     */
    private static Gateway start(Upstream upstream, String id, String... defaults) {
        List<String> args = Gateway.arguments(upstream.uri(), false, List.of(Route.of(id, "rate-limiter", LIMITER,
                        "tollgate.replenishRate", "1", "tollgate.burstCapacity", "3")),
                "tollgate.rules.default.capacity=1", "tollgate.rules.default.refill-rate=1",
                "tollgate.rules.default.period=hour");
        return new Gateway(new SpringApplicationBuilder(GatewayTestApplication.class).properties(defaults)
                .run(args.toArray(String[]::new)));
    }

    @Test
    void offByDefaultAndTheRouteStillLimits(CapturedOutput output) {
        try (Upstream upstream = Upstream.start();
             Gateway gateway = start(upstream, "off")) {
            assertThat(gateway.context().getBeanNamesForType(TollgateWebFilter.class)).isEmpty();
            assertThat(gateway.context().getBeanNamesForType(TollgatePrincipalWebFilter.class)).isEmpty();
            assertThat(gateway.context().getEnvironment().getProperty("tollgate.web.enabled")).isEqualTo("false");

            Client client = new Client(gateway.port());
            String user = UUID.randomUUID().toString();
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> ok = client.get("/off/x", USER_HEADER, user);
                assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
                assertThat(header(ok, "RateLimit-Policy")).isEqualTo("\"off\";q=3;w=3");
            }
            HttpResponse<String> denied = client.get("/off/x", USER_HEADER, user);
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "RateLimit-Policy")).isEqualTo("\"off\";q=3;w=3");
            assertThat(upstream.hits("off")).isEqualTo(3);
        }
        assertThat(output).doesNotContain(BOTH_APPLY);
    }

    @Test
    void onWhenAskedEvenInTheDefaultPropertiesAndThenThePathRulesApplyBeforeRouting(CapturedOutput output) {
        try (Upstream upstream = Upstream.start();
             Gateway gateway = start(upstream, "on", "tollgate.web.enabled=true")) {
            assertThat(gateway.context().getBeanNamesForType(TollgateWebFilter.class)).hasSize(1);

            Client client = new Client(gateway.port());
            String user = UUID.randomUUID().toString();
            assertThat(client.get("/on/x", USER_HEADER, user).statusCode()).isEqualTo(200);
            HttpResponse<String> denied = client.get("/on/x", USER_HEADER, user);
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.body()).contains("\"rule\":\"default\"");
            assertThat(upstream.hits("on")).isEqualTo(1);
        }
        assertThat(output).contains(BOTH_APPLY);
    }

    @Test
    void withTheGatewayModuleOffTheStartersDefaultHolds() {
        try (Upstream upstream = Upstream.start();
             Gateway gateway = Gateway.start(upstream.uri(), false, List.of(), "tollgate.scg.enabled=false")) {
            assertThat(gateway.context().getBeanNamesForType(TollgateWebFilter.class)).hasSize(1);
            assertThat(gateway.context().getEnvironment().getProperty("tollgate.web.enabled")).isNull();
        }
    }
}
