package io.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tollgate.testsupport.http.Http;
import io.tollgate.testsupport.redis.RedisCluster;
import io.tollgate.testsupport.redis.RedisSentinelGroup;
import io.tollgate.testsupport.redis.RedisServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server started with {@code REDIS_URL} in the Sentinel and Cluster forms the README offers, against a real
 * Sentinel group and a real Cluster, enforcing the default rule (20 requests, then 429) in Redis. Each server runs in
 * its own JVM so the real environment-variable path is exercised.
 */
class RedisUrlFormsServerTest {

    private static final String RULES = Path.of("..", "rate_limits.json").toAbsolutePath().normalize().toString();

    @TempDir
    Path dir;

    @Test
    void sentinelUrlFromRedisUrl() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
            enforcesTheLimit(group.url(), "redis sentinel ", List.of(group.currentMaster()));
        }
    }

    @Test
    void clusterUrlFromRedisUrl() throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            enforcesTheLimit(cluster.url(), "redis cluster ", cluster.nodes());
        }
    }

    private void enforcesTheLimit(String url, String described, List<RedisServer> dataNodes) throws Exception {
        try (ChildJvm.Running app = ChildJvm.start(dir, Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", RULES,
                "REDIS_URL", url))) {
            int port = app.awaitPort(120);
            HttpResponse<String> health = new Http(port).get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"distributed\":true").contains(described);
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
            // Redis decided: never more than the capacity plus what refilled meanwhile; fail-open answers (a call the
            // loaded machine made too slowly) are the only other way through.
            assertThat(counted).isLessThanOrEqualTo(20 + (long) Math.floor(seconds * 5));
            assertThat(counted + degraded).isGreaterThanOrEqualTo(20);
            assertThat(burst).anySatisfy(r -> assertThat(r.statusCode()).isEqualTo(429));
        }
        RedisClient client = RedisClient.create();
        try {
            long scripts = 0;
            for (RedisServer node : dataNodes) {
                try (StatefulRedisConnection<String, String> c = client.connect(node.uri())) {
                    scripts += c.sync().info("commandstats").contains("cmdstat_eval") ? 1 : 0;
                }
            }
            assertThat(scripts).as("a data node ran the bucket script").isPositive();
        } finally {
            client.shutdown();
        }
    }
}
