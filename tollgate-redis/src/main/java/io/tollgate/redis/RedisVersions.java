package io.tollgate.redis;

import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Server versions, read once at connect from {@code INFO server}. */
final class RedisVersions {

    private static final Logger log = LoggerFactory.getLogger(RedisVersions.class);
    private static final Pattern VERSION = Pattern.compile("redis_version:(\\d+)\\.");

    private RedisVersions() {
    }

    /**
     * Whether every master in the partition table reports at least {@code major}; false when any cannot be asked,
     * so a node that was down at connect (and may run an older Redis) never receives a script it would reject.
     * Blocks (startup only).
     */
    static boolean allMastersAtLeast(StatefulRedisClusterConnection<String, String> c, int major) {
        boolean any = false;
        for (RedisClusterNode n : c.getPartitions()) {
            if (!n.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                continue;
            }
            try {
                Matcher m = VERSION.matcher(c.getConnection(n.getNodeId()).sync().info("server"));
                if (!m.find() || Integer.parseInt(m.group(1)) < major) {
                    return false;
                }
                any = true;
            } catch (RuntimeException e) {
                log.info("redis node {} did not tell its version ({}): batching per slot", n.getUri(), e.toString());
                return false;
            }
        }
        return any;
    }
}
