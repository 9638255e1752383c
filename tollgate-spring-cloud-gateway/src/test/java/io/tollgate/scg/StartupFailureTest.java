package io.tollgate.scg;

import static io.tollgate.scg.Client.header;
import static io.tollgate.scg.app.GatewayTestApplication.USER_HEADER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.scg.Gateway.Route;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A gateway whose routes give the Tollgate limiter settings it cannot use does not start: the failure analysis names
 * the route, the setting, the value and where it is configured, with no stack trace. And with Tollgate switched off
 * the routes that name its limiter still work, unlimited.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(120)
class StartupFailureTest {

    private static final String LIMITER = "#{@tollgateGatewayRateLimiter}";
    private static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

    private static Upstream upstream;

    @BeforeAll
    static void startUpstream() {
        upstream = Upstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    private static void assertFailsToStart(List<Route> routes, String... properties) {
        assertThatThrownBy(() -> Gateway.start(upstream.uri(), false, routes, properties).close())
                .isInstanceOf(TollgateRouteException.class);
    }

    private static void assertReport(CapturedOutput output, String... lines) {
        assertThat(output).contains("APPLICATION FAILED TO START").contains(lines);
        assertThat(output.getOut() + output.getErr()).doesNotContain("\tat io.tollgate");
    }

    @Test
    void anUnknownRuleNamesTheRouteAndTheRule(CapturedOutput output) {
        assertFailsToStart(List.of(
                        Route.of("fine", "rate-limiter", LIMITER, "tollgate.rule", "login"),
                        Route.of("checkout", "rate-limiter", LIMITER, "tollgate.rule", "chekout")),
                "tollgate.rules.login.capacity=5", "tollgate.rules.login.refill-rate=1",
                "tollgate.rules.checkout.capacity=5", "tollgate.rules.checkout.refill-rate=1");
        assertReport(output, "Tollgate cannot rate-limit Spring Cloud Gateway route \"checkout\"",
                "Route: checkout", "Setting: tollgate.rule", "Value: chekout",
                "Reason: no Tollgate rule has this name; the rules are ", "\"login\"", "\"checkout\"",
                "Configured at: " + ROUTES + "[1].filters[0].args",
                "Correct tollgate.rule in the RequestRateLimiter filter args of route \"checkout\"");
    }

    @Test
    void aNegativeRateNamesTheRouteAndTheField(CapturedOutput output) {
        assertFailsToStart(List.of(Route.of("api", "rate-limiter", LIMITER,
                "redis-rate-limiter.replenishRate", "-1", "redis-rate-limiter.burstCapacity", "10")));
        assertReport(output, "Route: api", "Setting: redis-rate-limiter.replenishRate", "Value: -1",
                "Reason: expected a number greater than 0 (tokens added per second)",
                "Configured at: " + ROUTES + "[0].filters[0].args");
    }

    @Test
    void aRuleAndScgNumbersOnOneRouteAreRefused(CapturedOutput output) {
        assertFailsToStart(List.of(Route.of("both", "rate-limiter", LIMITER, "tollgate.rule", "login",
                        "tollgate.replenishRate", "10")),
                "tollgate.rules.login.capacity=5", "tollgate.rules.login.refill-rate=1");
        assertReport(output, "Route: both", "Setting: tollgate.rule", "Value: login",
                "a route takes a Tollgate rule or SCG's replenishRate/burstCapacity/requestedTokens, not both"
                        + " (tollgate.replenishRate is set too)");
    }

    @Test
    void aRouteOnTheTollgateLimiterWithoutSettingsIsRefused(CapturedOutput output) {
        assertFailsToStart(List.of(Route.of("bare", "rate-limiter", LIMITER)));
        assertReport(output, "Route: bare", "Setting: tollgate.replenishRate", "Value: (not set)",
                "needs tollgate.rule or tollgate.replenishRate");
    }

    @Test
    void aBadDefaultFilterNamesEveryRouteItReachesTheFirst(CapturedOutput output) {
        assertFailsToStart(List.of(Route.of("first", "tollgate.replenishRate", "1"), Route.of("second")),
                "spring.cloud.gateway.server.webflux.default-filters[0].name=RequestRateLimiter",
                "spring.cloud.gateway.server.webflux.default-filters[0].args.rate-limiter=" + LIMITER,
                "spring.cloud.gateway.server.webflux.default-filters[0].args.tollgate.requestedTokens=5",
                "spring.cloud.gateway.server.webflux.default-filters[0].args.tollgate.replenishRate=1",
                "spring.cloud.gateway.server.webflux.default-filters[0].args.tollgate.burstCapacity=2");
        assertReport(output, "Route: first", "Setting: tollgate.requestedTokens", "Value: 5",
                "more than tollgate.burstCapacity (2), so no request could ever be allowed",
                "Configured at: spring.cloud.gateway.server.webflux.default-filters[0].args");
    }

    /**
     * For comparison, SCG's RedisRateLimiter with the same mistake: start-up fails too (SCG 5.0.4 builds the routes
     * during the context refresh), with Spring Boot's binding report, which names the property but not the route.
     */
    @Test
    void redisRateLimiterWithANegativeRateFailsWithABindingReport(CapturedOutput output) {
        assertThatThrownBy(() -> Gateway.start(upstream.uri(), true,
                List.of(Route.of("scg-api", "rate-limiter", "#{@redisRateLimiter}",
                        "redis-rate-limiter.replenishRate", "-1", "redis-rate-limiter.burstCapacity", "10")),
                // never connected to: the route is refused before any request
                "spring.data.redis.url=redis://127.0.0.1:1").close())
                .isInstanceOf(org.springframework.boot.context.properties.bind.BindException.class);
        String all = output.toString();
        String report = all.contains("APPLICATION FAILED TO START")
                ? all.substring(all.indexOf("APPLICATION FAILED TO START")) : "";
        System.out.println("MEASURED RedisRateLimiter with replenishRate -1: start-up failed; failure report: "
                + !report.isEmpty() + "; report names the route: " + report.contains("scg-api")
                + "; 'Refresh routes error' logged with a stack trace: " + all.contains("Refresh routes error"));
    }

    @Test
    void withTollgateOffRoutesThatNameItsLimiterPassUnlimited() {
        try (Gateway gateway = Gateway.start(upstream.uri(), false,
                List.of(Route.of("off", "rate-limiter", LIMITER, "tollgate.rule", "not-checked-when-off")),
                "tollgate.enabled=false")) {
            Client client = new Client(gateway.port());
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = client.get("/off/x", USER_HEADER, "someone");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(header(r, "RateLimit")).isNull();
            }
        }
    }
}
