package io.tollgate.scg;

import static io.tollgate.scg.Client.header;
import static io.tollgate.scg.app.GatewayTestApplication.USER_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.scg.Gateway.Route;
import io.tollgate.testsupport.redis.RedisServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rule routes on the Redis store, and what each limiter does once redis-server is gone: a Tollgate rule's own
 * failure policy decides (fail-closed denies, fail-open-unbounded allows, each flagged), where SCG's RedisRateLimiter
 * has one behaviour, allow. One test: it kills the class's own redis-server.
 */
@Timeout(120)
class RuleFailurePolicyTest {

    private static RedisServer redis;
    private static Upstream upstream;
    private static Gateway gateway;
    private static Client client;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        upstream = Upstream.start();
        String tollgate = "#{@tollgateGatewayRateLimiter}";
        gateway = Gateway.start(upstream.uri(), true, List.of(
                        Route.of("strict", "rate-limiter", tollgate, "tollgate.rule", "strict"),
                        Route.of("lenient", "rate-limiter", tollgate, "tollgate.rule", "lenient"),
                        Route.of("scg", "rate-limiter", "#{@redisRateLimiter}", "redis-rate-limiter.replenishRate",
                                "5", "redis-rate-limiter.burstCapacity", "5")),
                "spring.data.redis.url=" + redis.url(),
                "spring.data.redis.timeout=500ms",
                "tollgate.redis.url=" + redis.url(),
                "tollgate.redis.timeout=300ms",
                "tollgate.rules.strict.limits[0].capacity=5",
                "tollgate.rules.strict.limits[0].refill-rate=5",
                "tollgate.rules.strict.limits[1].capacity=100",
                "tollgate.rules.strict.limits[1].refill-rate=100",
                "tollgate.rules.strict.limits[1].period=hour",
                "tollgate.rules.strict.failure-policy=fail-closed",
                "tollgate.rules.lenient.capacity=5",
                "tollgate.rules.lenient.refill-rate=5",
                "tollgate.rules.lenient.failure-policy=fail-open-unbounded");
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
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void whenRedisIsGoneEachRuleRouteFollowsItsFailurePolicyAndRedisRateLimiterAllows() {
        String user = UUID.randomUUID().toString();
        HttpResponse<String> strictUp = client.get("/strict/x", USER_HEADER, user);
        assertThat(strictUp.statusCode()).isEqualTo(200);
        assertThat(header(strictUp, "RateLimit-Policy")).isEqualTo("\"strict\";q=5;w=1, \"strict-2\";q=100;w=3600");
        assertThat(header(strictUp, "X-RateLimit-Degraded")).isNull();
        assertThat(client.get("/lenient/x", USER_HEADER, user).statusCode()).isEqualTo(200);
        assertThat(header(client.get("/scg/x", USER_HEADER, user), "X-RateLimit-Remaining")).isEqualTo("4");

        redis.kill();

        for (int i = 0; i < 8; i++) { // past the circuit breaker's threshold, so both sides of it are seen
            HttpResponse<String> strict = client.get("/strict/x", USER_HEADER, user);
            assertThat(strict.statusCode()).as("fail-closed, request %d", i).isEqualTo(429); // SCG's status-code
            assertThat(header(strict, "X-RateLimit-Degraded")).isEqualTo("fail-closed");
            assertThat(header(strict, "Retry-After")).isEqualTo("1");
            assertThat(header(strict, "RateLimit")).isNull(); // no bucket decided
            HttpResponse<String> lenient = client.get("/lenient/x", USER_HEADER, user);
            assertThat(lenient.statusCode()).as("fail-open-unbounded, request %d", i).isEqualTo(200);
            assertThat(header(lenient, "X-RateLimit-Degraded")).isEqualTo("fail-open-unbounded");
            assertThat(header(lenient, "X-RateLimit-Remaining")).isEqualTo("-1");
            HttpResponse<String> scg = client.get("/scg/x", USER_HEADER, user);
            assertThat(scg.statusCode()).as("RedisRateLimiter, request %d", i).isEqualTo(200);
            assertThat(header(scg, "X-RateLimit-Remaining")).isEqualTo("-1");
            assertThat(header(scg, "X-RateLimit-Degraded")).isNull();
        }
        System.out.println("MEASURED Redis down: RedisRateLimiter answers 200 with X-RateLimit-Remaining -1 on every"
                + " request (beyond burstCapacity 5 too); Tollgate fail-closed 429 + X-RateLimit-Degraded, "
                + "fail-open-unbounded 200 + X-RateLimit-Degraded");
        assertThat(upstream.hits("strict")).isEqualTo(1);
        assertThat(upstream.hits("scg")).isEqualTo(9);
    }
}
