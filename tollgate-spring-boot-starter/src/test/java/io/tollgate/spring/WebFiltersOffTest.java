package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.limiter.RuleLimiter;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.limiter.Tollgate;
import io.tollgate.spring.app.TestApplication;
import io.tollgate.spring.observe.TollgateHealthIndicator;
import io.tollgate.spring.observe.TollgateMetrics;
import io.tollgate.spring.web.RequestGate;
import io.tollgate.spring.web.TollgatePrincipalWebFilter;
import io.tollgate.spring.web.TollgateWebFilter;
import io.tollgate.testsupport.http.Http;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code tollgate.web.enabled=false}, in a WebFlux and in a Servlet application on a random port: a request the rule
 * denies reaches the application, and every other part of Tollgate is there and limits.
 */
class WebFiltersOffTest {

    @ParameterizedTest
    @ValueSource(strings = {"reactive", "servlet"})
    void noFilterButTheLimiterAndEverythingElseStay(String webApplicationType) throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(TestApplication.class).properties(
                "spring.main.web-application-type=" + webApplicationType,
                "server.address=127.0.0.1",
                "server.port=0",
                "tollgate.web.enabled=false",
                // one request per hour: with a filter, the second one would be a 429
                "tollgate.rules.default.capacity=1",
                "tollgate.rules.default.refill-rate=1",
                "tollgate.rules.default.period=hour").run()) {
            Http http = new Http(((WebServerApplicationContext) ctx).getWebServer().getPort());
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> r = http.get("/anything");
                assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok");
                assertThat(Http.header(r, "RateLimit")).as("request %d", i).isNull();
            }

            assertThat(ctx.getBeanNamesForType(TollgateWebFilter.class)).isEmpty();
            assertThat(ctx.getBeanNamesForType(TollgatePrincipalWebFilter.class)).isEmpty();
            assertThat(ctx.containsBean("tollgateServletFilter")).isFalse();
            assertThat(ctx.containsBean("tollgatePrincipalServletFilter")).isFalse();

            for (Class<?> type : new Class<?>[] {RateLimiter.class, Tollgate.class, StoreChain.class,
                    RequestGate.class, TollgateMetrics.class, TollgateHealthIndicator.class}) {
                assertThat(ctx.getBeanNamesForType(type)).as(type.getSimpleName()).hasSize(1);
            }
            assertThat(ctx.containsBean("tollgateRateLimitedAdvisor")).as("@RateLimited support").isTrue();

            // the same rule, asked through the programmatic API, limits
            RuleLimiter limiter = ctx.getBean(Tollgate.class).limiter("default");
            assertThat(limiter.tryAcquire("ip:192.0.2.1").toCompletableFuture().get(5, TimeUnit.SECONDS).granted())
                    .isTrue();
            assertThat(limiter.tryAcquire("ip:192.0.2.1").toCompletableFuture().get(5, TimeUnit.SECONDS).granted())
                    .isFalse();
        }
    }
}
