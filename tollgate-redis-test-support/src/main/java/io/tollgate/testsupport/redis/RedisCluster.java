package io.tollgate.testsupport.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Redis Cluster of three masters (no replicas) on loopback ports, built without redis-cli: each node gets a third
 * of the slots by {@code CLUSTER ADDSLOTS}, the first node meets the others, then we wait for {@code cluster_state:ok}
 * on every node.
 */
public final class RedisCluster implements AutoCloseable {

    /** How long {@link #start} waits for the cluster to converge. */
    public static final long CONVERGE_TIMEOUT_MILLIS = 30_000;

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts three cluster-enabled masters and joins them. */
    public static RedisCluster start(String... extraArgs) {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-node-timeout", "5000"));
                args.addAll(List.of(extraArgs));
                nodes.add(RedisServer.start(args));
            }
            RedisCluster cluster = new RedisCluster(nodes);
            cluster.join();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    private void join() {
        RedisClient client = RedisClient.create();
        try {
            List<StatefulRedisConnection<String, String>> conns = new ArrayList<>();
            for (RedisServer n : nodes) {
                RedisURI uri = n.uri();
                uri.setTimeout(Duration.ofSeconds(5));
                conns.add(client.connect(uri));
            }
            int per = 16384 / nodes.size();
            for (int i = 0; i < nodes.size(); i++) {
                int from = i * per;
                int to = i == nodes.size() - 1 ? 16383 : (i + 1) * per - 1;
                conns.get(i).sync().clusterAddSlots(IntStream.rangeClosed(from, to).toArray());
            }
            for (int i = 1; i < nodes.size(); i++) {
                conns.get(0).sync().clusterMeet(nodes.get(i).host(), nodes.get(i).port());
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONVERGE_TIMEOUT_MILLIS);
            while (true) {
                boolean ok = true;
                for (StatefulRedisConnection<String, String> c : conns) {
                    String info = c.sync().clusterInfo();
                    ok &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size())
                            && info.contains("cluster_slots_ok:16384");
                }
                if (ok) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cluster did not reach cluster_state:ok in "
                            + CONVERGE_TIMEOUT_MILLIS + " ms: " + conns.get(0).sync().clusterInfo());
                }
                Thread.sleep(50);
            }
            conns.forEach(StatefulRedisConnection::close);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Moves {@code slot} from node {@code from} to node {@code to} as redis-cli's resharding does: {@code CLUSTER
     * SETSLOT IMPORTING} on the target, {@code MIGRATING} on the source, then {@code MIGRATE} one key at a time
     * (pausing {@code pause} after each, so clients meet the half-moved slot: ASK and TRYAGAIN), until the source
     * holds none, then {@code CLUSTER SETSLOT NODE} on every node (clients then get MOVED). Blocks until done.
     *
     * @return how many keys were moved
     */
    public int migrateSlot(int slot, int from, int to, Duration pause) {
        RedisClient client = RedisClient.create();
        try {
            List<RedisCommands<String, String>> c = new ArrayList<>();
            for (RedisServer n : nodes) {
                RedisURI uri = n.uri();
                uri.setTimeout(Duration.ofSeconds(5));
                c.add(client.connect(uri).sync());
            }
            String fromId = c.get(from).clusterMyId();
            String toId = c.get(to).clusterMyId();
            RedisServer target = nodes.get(to);
            c.get(to).clusterSetSlotImporting(slot, fromId);
            c.get(from).clusterSetSlotMigrating(slot, toId);
            int moved = 0;
            List<String> keys;
            while (!(keys = c.get(from).clusterGetKeysInSlot(slot, 1)).isEmpty()) {
                c.get(from).migrate(target.host(), target.port(), keys.get(0), 0, 5_000);
                moved++;
                Thread.sleep(pause.toMillis());
            }
            c.get(to).clusterSetSlotNode(slot, toId);
            c.get(from).clusterSetSlotNode(slot, toId);
            for (int i = 0; i < c.size(); i++) {
                if (i != from && i != to) {
                    c.get(i).clusterSetSlotNode(slot, toId);
                }
            }
            return moved;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** Seed URIs of all nodes. */
    public List<RedisURI> uris() {
        return nodes.stream().map(RedisServer::uri).collect(Collectors.toList());
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3} */
    public String url() {
        return "redis-cluster://" + nodes.stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }
}
