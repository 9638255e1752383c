package io.tollgate.testsupport.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One master, one replica and three sentinels (quorum 2) on loopback ports, monitoring master {@link #MASTER_ID} with
 * {@code down-after-milliseconds 1000} and {@code failover-timeout 3000}, so a killed master is replaced within a few
 * seconds. {@link #start} returns once every sentinel sees the replica and the other two sentinels.
 */
public final class RedisSentinelGroup implements AutoCloseable {

    public static final String MASTER_ID = "mymaster";
    /** How long {@link #start} and {@link #awaitFailover} wait. */
    public static final long TIMEOUT_MILLIS = 30_000;

    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    private final RedisClient client = RedisClient.create(); // for asking the sentinels

    private RedisSentinelGroup() {
    }

    /** Starts master, replica and sentinels; {@code extraArgs} go to the master and the replica. */
    public static RedisSentinelGroup start(String... extraArgs) {
        RedisSentinelGroup g = new RedisSentinelGroup();
        try {
            RedisServer master = RedisServer.start(extraArgs);
            g.dataNodes.add(master);
            List<String> replicaArgs = new ArrayList<>(List.of(extraArgs));
            replicaArgs.addAll(List.of("--replicaof", master.host(), Integer.toString(master.port())));
            g.dataNodes.add(RedisServer.start(replicaArgs));
            String conf = "sentinel monitor " + MASTER_ID + " " + master.host() + " " + master.port() + " 2\n"
                    + "sentinel down-after-milliseconds " + MASTER_ID + " 1000\n"
                    + "sentinel failover-timeout " + MASTER_ID + " 3000\n";
            for (int i = 0; i < 3; i++) {
                g.sentinels.add(RedisServer.startWithConfig(conf, "--sentinel"));
            }
            g.await("sentinels to see the replica and each other", () -> g.sentinels.stream().allMatch(s -> {
                Map<String, String> m = g.masterInfo(s);
                return m != null && master.port() == Integer.parseInt(m.getOrDefault("port", "0"))
                        && "1".equals(m.get("num-slaves")) && "2".equals(m.get("num-other-sentinels"));
            }));
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /** The master the group started with (index 0) and the replica (index 1). */
    public List<RedisServer> dataNodes() {
        return dataNodes;
    }

    public List<RedisServer> sentinels() {
        return sentinels;
    }

    /** The data node the sentinels currently name as master (asks the first sentinel that answers). */
    public RedisServer currentMaster() {
        for (RedisServer s : sentinels) {
            Map<String, String> m = masterInfo(s);
            if (m != null) {
                int port = Integer.parseInt(m.get("port"));
                return dataNodes.stream().filter(n -> n.port() == port).findFirst().orElse(null);
            }
        }
        return null;
    }

    /** Waits (bounded) until every sentinel names a master other than {@code old}; returns the new master. */
    public RedisServer awaitFailover(RedisServer old) {
        await("failover away from " + old, () -> sentinels.stream().allMatch(s -> {
            Map<String, String> m = masterInfo(s);
            return m != null && Integer.parseInt(m.get("port")) != old.port();
        }));
        return currentMaster();
    }

    /** {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#mymaster} */
    public String url() {
        return "redis-sentinel://" + sentinels.stream().map(s -> s.host() + ":" + s.port())
                .collect(Collectors.joining(",")) + "#" + MASTER_ID;
    }

    /** {@code SENTINEL MASTER mymaster} as a map, or null if the sentinel does not answer within 1 s. */
    private Map<String, String> masterInfo(RedisServer sentinel) {
        try {
            RedisURI uri = RedisURI.create(sentinel.host(), sentinel.port());
            uri.setTimeout(Duration.ofSeconds(1));
            try (StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(uri)) {
                return c.sync().master(MASTER_ID);
            }
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + TIMEOUT_MILLIS + " ms waiting for " + what
                        + "; first sentinel log:\n" + sentinels.get(0).logTail());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        dataNodes.forEach(RedisServer::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
