package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.resilience.CircuitBreakingBucketStore;
import io.tollgate.core.resilience.DenyCachingBucketStore;
import io.tollgate.core.store.BucketStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.testsupport.redis.RedisExtension;
import io.tollgate.spring.redisapp.RedisTestApplication;
import io.tollgate.testsupport.http.Http;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Two application instances on one Redis share one limit: 20 requests in total, whichever instance serves them. */
class SharedRedisLimitTest {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(RedisTestApplication.class).properties(
                "spring.main.web-application-type=reactive",
                "server.port=0",
                "tollgate.redis.url=redis://127.0.0.1:" + REDIS.server().port(),
                // generous: a loaded CI machine must not turn slow answers into fail-open allowances
                "tollgate.redis.timeout=2s",
                // practically no refill during the test, so the count is exact
                "tollgate.rules.default.capacity=20",
                "tollgate.rules.default.refill-rate=1",
                "tollgate.rules.default.period=hour").run();
    }

    private static int port(ConfigurableApplicationContext ctx) {
        return ((WebServerApplicationContext) ctx).getWebServer().getPort();
    }

    @Test
    void twoInstancesShareOneBucket() {
        try (ConfigurableApplicationContext a = start(); ConfigurableApplicationContext b = start()) {
            // Redis, behind leases (off for this rule), the deny cache and the circuit breaker
            BucketStore store = a.getBean(BucketStore.class);
            assertThat(store).isInstanceOf(LeasingBucketStore.class);
            BucketStore cache = ((LeasingBucketStore) store).backing();
            assertThat(cache).isInstanceOf(DenyCachingBucketStore.class);
            BucketStore breaker = ((DenyCachingBucketStore) cache).delegate();
            assertThat(breaker).isInstanceOf(CircuitBreakingBucketStore.class);
            assertThat(((CircuitBreakingBucketStore) breaker).delegate()).isInstanceOf(RedisBucketStore.class);
            Http first = new Http(port(a));
            Http second = new Http(port(b));
            int allowed = 0;
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = (i % 2 == 0 ? first : second).get("/shared");
                assertThat(r.headers().firstValue("X-RateLimit-Degraded")).isEmpty();
                if (r.statusCode() == 200) {
                    allowed++;
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                }
            }
            assertThat(allowed).isEqualTo(20);
        }
    }
}
