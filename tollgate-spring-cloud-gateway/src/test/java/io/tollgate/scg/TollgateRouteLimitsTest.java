package io.tollgate.scg;

import static io.tollgate.scg.Client.header;
import static io.tollgate.scg.app.GatewayTestApplication.USER_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.scg.Gateway.Route;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;

/**
 * A gateway on Tollgate's in-memory store (no Redis, no Spring Data): a route on a Tollgate rule with two limits,
 * routes on SCG's numbers, burstCapacity 0, SCG's empty-key handling, and the limiter as the filter's default.
 */
@Timeout(120)
class TollgateRouteLimitsTest {

    private static final String LIMITER = "#{@tollgateGatewayRateLimiter}";

    private static Upstream upstream;
    private static Gateway gateway;
    private static Client client;

    @BeforeAll
    static void start() {
        upstream = Upstream.start();
        gateway = Gateway.start(upstream.uri(), false, List.of(
                        Route.of("login", "rate-limiter", LIMITER, "key-resolver", "#{@userKeyResolver}",
                                "tollgate.rule", "login"),
                        Route.of("fixed", "rate-limiter", LIMITER, "tollgate.replenishRate", "1",
                                "tollgate.burstCapacity", "3", "tollgate.requestedTokens", "1"),
                        Route.of("zero", "rate-limiter", LIMITER, "tollgate.replenishRate", "1",
                                "tollgate.burstCapacity", "0"),
                        Route.of("anonymous", "rate-limiter", LIMITER, "key-resolver", "#{@emptyKeyResolver}",
                                "tollgate.replenishRate", "1"),
                        Route.of("anonymous-custom", "rate-limiter", LIMITER, "key-resolver", "#{@emptyKeyResolver}",
                                "empty-key-status", "UNAUTHORIZED", "tollgate.replenishRate", "1"),
                        Route.of("anonymous-open", "rate-limiter", LIMITER, "key-resolver", "#{@emptyKeyResolver}",
                                "deny-empty-key", "false", "tollgate.replenishRate", "1"),
                        // no rate-limiter: the filter's default, which is Tollgate's when it is the only one
                        Route.of("implicit", "tollgate.replenishRate", "1", "tollgate.burstCapacity", "2")),
                "tollgate.rules.login.limits[0].capacity=2",
                "tollgate.rules.login.limits[0].refill-rate=1",
                "tollgate.rules.login.limits[1].capacity=3",
                "tollgate.rules.login.limits[1].refill-rate=1",
                "tollgate.rules.login.limits[1].period=hour");
        client = new Client(gateway.port());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static String user() {
        return UUID.randomUUID().toString();
    }

    @Test
    void ruleRouteEnforcesEveryLimitOfTheRule() throws InterruptedException {
        String user = user();
        HttpResponse<String> first = client.get("/login/x", USER_HEADER, user);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("ok");
        assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"login\";q=2;w=2, \"login-2\";q=3;w=10800");
        assertThat(header(first, "RateLimit")).isEqualTo("\"login\";r=1;t=1");
        // a rule route has several limits, so none of RedisRateLimiter's single numbers; Remaining is the tightest
        assertThat(header(first, "X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(header(first, "X-RateLimit-Replenish-Rate")).isNull();
        assertThat(client.get("/login/x", USER_HEADER, user).statusCode()).isEqualTo(200);

        // the per-second limit: 2 in a burst, then a wait of under a second
        HttpResponse<String> third = client.get("/login/x", USER_HEADER, user);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(header(third, "Retry-After")).isEqualTo("1");
        assertThat(header(third, "RateLimit")).isEqualTo("\"login\";r=0;t=1");

        Thread.sleep(1100); // one token of the first limit back
        assertThat(client.get("/login/x", USER_HEADER, user).statusCode()).isEqualTo(200);

        // the hourly limit (3) is spent now, though the per-second one has refilled
        Thread.sleep(1100);
        HttpResponse<String> fifth = client.get("/login/x", USER_HEADER, user);
        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(header(fifth, "RateLimit")).startsWith("\"login-2\";r=0;t=");
        assertThat(Long.parseLong(header(fifth, "Retry-After"))).isBetween(3500L, 3600L);

        // another user has buckets of their own
        assertThat(client.get("/login/x", USER_HEADER, user()).statusCode()).isEqualTo(200);
    }

    @Test
    void numbersRouteHasRedisRateLimiterMeaningAndBucketsPerResolvedId() {
        String alice = user();
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = client.get("/fixed/a", USER_HEADER, alice);
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(header(ok, "RateLimit-Policy")).isEqualTo("\"fixed\";q=3;w=3");
            assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo(Integer.toString(3 - i));
            assertThat(header(ok, "X-RateLimit-Replenish-Rate")).isEqualTo("1");
            assertThat(header(ok, "X-RateLimit-Burst-Capacity")).isEqualTo("3");
            assertThat(header(ok, "X-RateLimit-Requested-Tokens")).isEqualTo("1");
            assertThat(header(ok, "Retry-After")).isNull();
        }
        HttpResponse<String> denied = client.get("/fixed/a", USER_HEADER, alice);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(header(denied, "Retry-After")).isEqualTo("1");
        assertThat(header(denied, "RateLimit")).isEqualTo("\"fixed\";r=0;t=1");
        assertThat(header(denied, "RateLimit-Policy")).isEqualTo("\"fixed\";q=3;w=3");
        assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");

        // ids are hashed into the bucket key, whatever their length
        String huge = "u".repeat(7000);
        for (int i = 0; i < 3; i++) {
            assertThat(client.get("/fixed/a", USER_HEADER, huge).statusCode()).isEqualTo(200);
        }
        assertThat(client.get("/fixed/a", USER_HEADER, huge).statusCode()).isEqualTo(429);
    }

    @Test
    void burstCapacityZeroDeniesEveryRequestWithoutReachingTheUpstream() {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.get("/zero/x", USER_HEADER, user());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(header(r, "Retry-After")).isEqualTo("86400");
            assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"zero\";q=0");
            assertThat(header(r, "X-RateLimit-Burst-Capacity")).isEqualTo("0");
        }
        assertThat(upstream.hits("zero")).isZero();
    }

    @Test
    void aKeyResolverWithoutKeyGetsScgsEmptyKeyHandlingAndTheLimiterIsNotAsked() {
        HttpResponse<String> denied = client.get("/anonymous/x");
        assertThat(denied.statusCode()).isEqualTo(403); // SCG's default empty-key-status-code
        assertThat(header(denied, "RateLimit")).isNull();
        assertThat(client.get("/anonymous-custom/x").statusCode()).isEqualTo(401);
        // the user resolver finds no X-User header: no key either
        assertThat(client.get("/login/x").statusCode()).isEqualTo(403);

        // deny-empty-key false: through, unlimited, no headers
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> open = client.get("/anonymous-open/x");
            assertThat(open.statusCode()).isEqualTo(200);
            assertThat(header(open, "RateLimit")).isNull();
        }
        assertThat(upstream.hits("anonymous")).isZero();
        assertThat(upstream.hits("anonymous-custom")).isZero();
        assertThat(upstream.hits("anonymous-open")).isEqualTo(5);
    }

    @Test
    void theOnlyScgRateLimiterIsTheFiltersDefault() {
        Object bean = gateway.context().getBean(TollgateRateLimiter.BEAN_NAME);
        assertThat(bean).isInstanceOf(TollgateRateLimiter.class);
        assertThat(gateway.context().getBean(RequestRateLimiterGatewayFilterFactory.class).getDefaultRateLimiter())
                .isSameAs(bean);
        String user = user();
        HttpResponse<String> ok = client.get("/implicit/x", USER_HEADER, user);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(header(ok, "RateLimit-Policy")).isEqualTo("\"implicit\";q=2;w=2");
        assertThat(client.get("/implicit/x", USER_HEADER, user).statusCode()).isEqualTo(200);
        assertThat(client.get("/implicit/x", USER_HEADER, user).statusCode()).isEqualTo(429);
    }
}
