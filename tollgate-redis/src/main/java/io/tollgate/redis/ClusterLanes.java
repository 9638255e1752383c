package io.tollgate.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Batching on Redis Cluster: decisions are grouped by where their key's slot lives, per Lettuce's partition table, one
 * {@link Batcher} lane per group, created on first use. With {@link BucketScript#CROSS_SLOT} (every master on Redis 7+)
 * a lane is a node and one call carries keys of any of its slots; with {@link BucketScript#PER_SLOT} a lane is a slot.
 * Each batch goes out on its node's own connection.
 *
 * <p>Topology changes: a batch re-checks, just before it is sent, that each of its slots still lives on its lane's
 * node; decisions whose slot moved, and every decision of a call that Redis refused as not that node's (MOVED, ASK,
 * TRYAGAIN, a script's non-local key), are sent again one key per call through Lettuce's cluster routing, which follows
 * MOVED and ASK (with ASKING on the target) at most {@code maxRedirects} times and refreshes the partition table; a
 * further failure is the decision's store failure. A lane of a node that left the table is dropped once it sends.
 *
 * <p>Why a refused call is safe to send again: Redis refuses a call whose declared keys are elsewhere before the script
 * runs, and the script reads every key before its first write, so a non-local key aborts it with nothing written. A
 * decision is thus applied by at most one successful script call.
 *
 * <p>Groups ({@code tryConsumeAll}): Redis makes one script call atomic, and one call reaches one node (one slot before
 * Redis 7). So a group is split by lane: the decisions of each lane form a group of their own, decided all or nothing
 * within that lane, independently of the other lanes. A request whose keys live on one node (Redis 7+) or in one slot
 * (every Redis; one bucket key under several specs) is all or nothing as on a single Redis. A request spanning nodes is
 * all or nothing per node only: one node's part may be applied while another's is denied, so a denied request may have
 * taken tokens on the nodes that allowed their part. Decisions sent again through the routing above (a slot moved, a
 * refused call) stay together per slot: a group's members of one slot are one call, so one slot stays all or nothing
 * while it moves. The request as a whole is reported denied whenever any part was denied, but its decisions do not
 * tell which parts were applied.
 */
final class ClusterLanes {

    /** How the store sends one batch with the stamping and deadline machinery; see {@code RedisBucketStore.send}. */
    interface Transport {
        /**
         * @param refused called (after {@code done}) with the batch when Redis refused the call as not the node of its
         *                keys; null to fail the decisions instead
         */
        void send(StatefulConnection<String, String> via, BucketScript script, List<PendingDecision> batch,
                Runnable done, Consumer<List<PendingDecision>> refused);
    }

    /** Lane key of a group's decisions whose slot our partition table does not cover. */
    private static final Object NOT_COVERED = new Object();

    private final StatefulRedisClusterConnection<String, String> cluster;
    private final BucketScript script;
    private final Transport transport;
    private final Function<Batcher.Sender, Batcher> newLane;
    private final ConcurrentHashMap<Object, Batcher> lanes = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong routed = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    /**
     * @param crossSlot whether lanes are nodes (every master runs Redis 7+) rather than slots
     * @param newLane   makes a lane's batcher around its sender
     */
    ClusterLanes(StatefulRedisClusterConnection<String, String> cluster, boolean crossSlot, Transport transport,
            Function<Batcher.Sender, Batcher> newLane) {
        this.cluster = cluster;
        this.script = crossSlot ? BucketScript.CROSS_SLOT : BucketScript.PER_SLOT;
        this.transport = transport;
        this.newLane = newLane;
    }

    boolean crossSlot() {
        return script == BucketScript.CROSS_SLOT;
    }

    /** Lanes created and not dropped (for tests). */
    int lanes() {
        return lanes.size();
    }

    /** Decisions sent again through Lettuce's routing so far (for tests). */
    long routedDecisions() {
        return routed.get();
    }

    /** Queues {@code p} (or, for a group, each lane's part of it as a group of its own) on its lane; never blocks. */
    void submit(PendingDecision p) {
        if (p.group == null) {
            submitOne(p);
            return;
        }
        Map<Object, List<PendingDecision>> parts = new LinkedHashMap<>();
        for (PendingDecision m : p.group) {
            int slot = SlotHash.getSlot(m.redisKey);
            RedisClusterNode node = cluster.getPartitions().getPartitionBySlot(slot);
            Object laneKey = node == null ? NOT_COVERED : crossSlot() ? node.getNodeId() : Integer.valueOf(slot);
            parts.computeIfAbsent(laneKey, k -> new ArrayList<>(p.group.size())).add(m);
        }
        for (Map.Entry<Object, List<PendingDecision>> part : parts.entrySet()) {
            List<PendingDecision> members = parts.size() == 1 ? p.group : List.copyOf(part.getValue());
            members.forEach(m -> m.group = members);
            if (part.getKey() == NOT_COVERED) {
                routed(members);
            } else {
                submitOne(members.get(0));
            }
        }
    }

    private void submitOne(PendingDecision p) {
        int slot = SlotHash.getSlot(p.redisKey);
        RedisClusterNode node = cluster.getPartitions().getPartitionBySlot(slot);
        if (node == null) { // slot not covered in our table: let Lettuce route it (and fail it if it must)
            routed(p.members());
            return;
        }
        Object laneKey = crossSlot() ? node.getNodeId() : Integer.valueOf(slot);
        Batcher lane = lanes.get(laneKey);
        if (lane == null) {
            lane = lanes.computeIfAbsent(laneKey, k -> newLane.apply((batch, done) -> send(k, batch, done)));
        }
        if (closed) {
            lane.close();
        }
        lane.submit(p);
    }

    private void send(Object laneKey, List<PendingDecision> batch, Runnable done) {
        Partitions partitions = cluster.getPartitions();
        String nodeId;
        List<PendingDecision> here = batch;
        if (crossSlot()) {
            nodeId = (String) laneKey;
            if (partitions.getPartitionByNodeId(nodeId) == null) {
                lanes.remove(laneKey); // the node left: new decisions get new lanes, this one drains
            }
            List<PendingDecision> moved = null;
            for (PendingDecision p : batch) {
                RedisClusterNode owner = partitions.getPartitionBySlot(SlotHash.getSlot(p.redisKey));
                if (owner == null || !nodeId.equals(owner.getNodeId())) {
                    if (moved == null) {
                        moved = new ArrayList<>();
                        here = new ArrayList<>(batch.size());
                        for (PendingDecision q : batch) {
                            if (q == p) {
                                break;
                            }
                            here.add(q);
                        }
                    }
                    moved.add(p);
                } else if (moved != null) {
                    here.add(p);
                }
            }
            if (moved != null) {
                routed(moved);
            }
        } else {
            RedisClusterNode owner = partitions.getPartitionBySlot((Integer) laneKey);
            nodeId = owner == null ? null : owner.getNodeId();
        }
        if (nodeId == null || here.isEmpty()) {
            done.run();
            if (!here.isEmpty()) {
                routed(here);
            }
            return;
        }
        List<PendingDecision> out = here;
        cluster.getConnectionAsync(nodeId).whenComplete((node, error) -> {
            if (error != null) { // node unknown or unreachable: Lettuce's routing fails or redirects each decision
                done.run();
                routed(out);
            } else {
                transport.send(node, script, out, done, this::routed);
            }
        });
    }

    /**
     * Sent again through Lettuce's cluster routing (which follows MOVED and ASK): each key's lone decisions as one
     * call, and the members of one group that share a slot as one call, so a group stays all or nothing within its
     * slot while the slot moves. Mid-migration Redis refuses a call whose keys are split between the two nodes
     * ({@code TRYAGAIN}); such a call is sent again {@value #RETRY_MILLIS} ms later, until it runs or its decisions'
     * own deadlines fail them (nothing ran, so sending again is safe).
     */
    void routed(List<PendingDecision> decisions) {
        routed.addAndGet(decisions.size());
        Map<Object, List<PendingDecision>> calls = new LinkedHashMap<>();
        for (PendingDecision p : decisions) {
            Object call = p.group == null || p.group.size() == 1 ? p.redisKey
                    : new GroupSlot(p.group, SlotHash.getSlot(p.redisKey));
            calls.computeIfAbsent(call, k -> new ArrayList<>(2)).add(p);
        }
        for (List<PendingDecision> one : calls.values()) {
            transport.send(cluster, BucketScript.PER_SLOT, one, () -> { }, this::retryLater);
        }
    }

    private static final long RETRY_MILLIS = 5;

    private void retryLater(List<PendingDecision> refused) {
        List<PendingDecision> open = new ArrayList<>(refused.size());
        for (PendingDecision p : refused) {
            if (!p.out.isDone()) {
                open.add(p);
            }
        }
        if (!open.isEmpty()) { // after close the send fails them at once
            CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS).execute(() -> routed(open));
        }
    }

    /** The members of one group (compared by identity) in one slot. */
    private record GroupSlot(List<PendingDecision> group, int slot) {
        @Override
        public boolean equals(Object o) {
            return o instanceof GroupSlot g && g.group == group && g.slot == slot;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(group) * 31 + slot;
        }
    }

    /** Fails queued decisions of every lane; later ones fail at once. */
    void close() {
        closed = true;
        lanes.values().forEach(Batcher::close);
    }
}
