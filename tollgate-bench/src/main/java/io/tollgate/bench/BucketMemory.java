package io.tollgate.bench;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tollgate.core.identity.ClientKeys;
import io.tollgate.core.limiter.RateLimiter;
import io.tollgate.core.rules.Rule;
import io.tollgate.redis.RedisBucketStore;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Redis memory of one bucket of the default rule (20 burst at 5/s) for one IPv4 client, as Tollgate's limiter and as
 * Bucket4j store it. Each client makes one decision in a database of its own, emptied first, so the one key SCAN then
 * finds is the bucket, whatever its name; MEMORY USAGE of it is the figure.
 */
final class BucketMemory {

    static final String CLIENT_IP = "203.0.113.7";
    private static final int TOLLGATE_DB = 1;
    private static final int BUCKET4J_DB = 2;

    /** A key a client wrote and its MEMORY USAGE in bytes, -1 when not found. */
    record Key(String name, long bytes) {
    }

    /** What each client wrote; {@code note} says what went wrong, if anything. */
    record Result(Key tollgate, Key bucket4j, String note) {
    }

    private BucketMemory() {
    }

    static Result measure(RedisBench rb) throws Exception {
        Rule rule = Rule.builder(Rule.DEFAULT_NAME).spec(RedisBench.RULE).build();
        String clientKey = new ClientKeys().ipKey(InetAddress.getByName(CLIENT_IP));
        // Bucket4j is given the same bucket key Tollgate's limiter derives: what an application would key it by.
        String bucketKey = RateLimiter.bucketKey(rule, clientKey);
        StringBuilder note = new StringBuilder();
        Key tg;
        Key b4j;
        try (StatefulRedisConnection<String, String> tgDb = rb.connect(TOLLGATE_DB);
             StatefulRedisConnection<String, String> b4jDb = rb.connect(BUCKET4J_DB)) {
            tgDb.sync().flushdb();
            b4jDb.sync().flushdb();
            try (RedisBucketStore store = rb.storeOnDatabase(TOLLGATE_DB);
                 RateLimiter limiter = new RateLimiter(store)) {
                limiter.check(rule, clientKey).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            try (Bucket4jOnRedis bucket4j = rb.bucket4jOnDatabase(BUCKET4J_DB)) {
                bucket4j.proxy(bucketKey, Bucket4jOnRedis.RULE).tryConsume(1).get(5, TimeUnit.SECONDS);
            }
            tg = onlyKey(tgDb.sync(), "Tollgate", note);
            b4j = onlyKey(b4jDb.sync(), "Bucket4j", note);
            tgDb.sync().flushdb();
            b4jDb.sync().flushdb();
        }
        return new Result(tg, b4j, note.toString());
    }

    /** The one key of the database and its MEMORY USAGE, or a note and -1. */
    private static Key onlyKey(RedisCommands<String, String> sync, String who, StringBuilder note) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        // bounded: the database holds one key, a few iterations at most
        for (int i = 0; i < 100 && !cursor.isFinished(); i++) {
            KeyScanCursor<String> page = sync.scan(cursor, ScanArgs.Builder.limit(100));
            keys.addAll(page.getKeys());
            cursor = page;
        }
        if (keys.size() != 1) {
            note.append(who).append(" wrote ").append(keys.size()).append(" keys ").append(keys).append("; ");
            return new Key(keys.isEmpty() ? "?" : keys.get(0), -1);
        }
        Long bytes = sync.memoryUsage(keys.get(0));
        return new Key(keys.get(0), bytes == null ? -1 : bytes);
    }
}
