package io.tollgate.testsupport.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension owning one standalone server or one three-master cluster for a test class:
 * <pre>{@code
 * @RegisterExtension static final RedisExtension REDIS = RedisExtension.standalone();
 * @RegisterExtension static final RedisExtension CLUSTER = RedisExtension.cluster();
 * }</pre>
 * Started before all tests of the class, killed after them (and at JVM exit regardless).
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

    private final boolean cluster;
    private final String[] extraArgs;
    private RedisServer server;
    private RedisCluster redisCluster;

    private RedisExtension(boolean cluster, String[] extraArgs) {
        this.cluster = cluster;
        this.extraArgs = extraArgs.clone();
    }

    /** One standalone server; {@code extraArgs} are appended to the redis-server command line. */
    public static RedisExtension standalone(String... extraArgs) {
        return new RedisExtension(false, extraArgs);
    }

    /** A three-master cluster; {@code extraArgs} are appended to every node's command line. */
    public static RedisExtension cluster(String... extraArgs) {
        return new RedisExtension(true, extraArgs);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (cluster) {
            redisCluster = RedisCluster.start(extraArgs);
        } else {
            server = RedisServer.start(extraArgs);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
        if (redisCluster != null) {
            redisCluster.close();
        }
    }

    /** The standalone server (null for a cluster extension). */
    public RedisServer server() {
        return server;
    }

    /** The cluster (null for a standalone extension). */
    public RedisCluster redisCluster() {
        return redisCluster;
    }

    /** The URL of whichever was started: {@code redis://…} or {@code redis-cluster://…}. */
    public String url() {
        return cluster ? redisCluster.url() : server.url();
    }
}
