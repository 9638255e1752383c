package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.testsupport.http.Http;
import io.tollgate.testsupport.redis.RedisServer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server configured the original way (REDIS_HOST / REDIS_PORT variables) against a real redis-server from the
 * tollgate-redis test harness, each case in its own JVM so the real environment-variable path is exercised.
 */
class RedisServerModeTest {

    private static final String RULES = Path.of("..", "rate_limits.json").toAbsolutePath().normalize().toString();

    @TempDir
    Path dir;

    @Test
    void redisHostAndPortSelectTheRedisStoreAndLimitsLiveInRedis() throws Exception {
        try (RedisServer redis = RedisServer.start();
             ChildJvm.Running app = ChildJvm.start(dir, Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", RULES,
                     "REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port())))) {
            int port = app.awaitPort(120);

            HttpResponse<String> health = new Http(port).get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"distributed\":true").containsIgnoringCase("redis");
            assertThat(app.output()).doesNotContain("in-memory store");

            // Warm the JVM on /special_path (its own bucket): a cold server can miss the store's 100 ms budget.
            for (int i = 0; i < 10; i++) {
                new Http(port).get("/special_path");
            }
            long start = System.nanoTime();
            List<HttpResponse<String>> burst = new Http(port).burst("/", 30);
            double seconds = (System.nanoTime() - start) / 1e9;
            long degraded = burst.stream().filter(r -> r.headers().firstValue("X-RateLimit-Degraded").isPresent()).count();
            long counted = burst.stream().filter(r -> r.statusCode() == 200)
                    .filter(r -> r.headers().firstValue("X-RateLimit-Degraded").isEmpty()).count();
            // Redis decided: never more than the capacity plus what refilled meanwhile; fail-open answers (if the
            // machine was too slow for a call) are the only other way through.
            assertThat(counted).isLessThanOrEqualTo(20 + (long) Math.floor(seconds * 5));
            assertThat(counted + degraded).isGreaterThanOrEqualTo(20);
            assertThat(burst).anySatisfy(r -> assertThat(r.statusCode()).isEqualTo(429));

            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                // Bucket keys expire once full again, so look at what Redis executed instead.
                assertThat(c.sync().info("commandstats")).as("Redis ran the bucket script").containsPattern("cmdstat_eval(sha)?:calls=");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void unreachableRedisStopsStartupWithAClearMessage() throws Exception {
        ChildJvm.Outcome out = ChildJvm.run(dir, Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", RULES,
                "REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(unusedPort())), 120);
        assertThat(out.exitCode()).isNotZero();
        assertThat(out.output()).contains("APPLICATION FAILED TO START")
                .contains("Variable: REDIS_URL or REDIS_HOST / REDIS_PORT")
                .contains("Redis is unreachable at startup").contains("REDIS_REQUIRED_AT_STARTUP=false")
                .doesNotContainPattern("\\n\\s+at [a-z]+\\.");
    }

    @Test
    void redisNotRequiredAtStartupStartsAnyway() throws Exception {
        try (ChildJvm.Running app = ChildJvm.start(dir, Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", RULES,
                "REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(unusedPort()),
                "REDIS_REQUIRED_AT_STARTUP", "false"))) {
            int port = app.awaitPort(120);
            // Redis is down, so the default fail-open policy lets requests through and says so.
            HttpResponse<String> r = new Http(port).get("/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-RateLimit-Degraded")).hasValue("fail-open");
            assertThat(new Http(port).get("/health").statusCode()).isIn(200, 503);
        }
    }

    private static int unusedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
