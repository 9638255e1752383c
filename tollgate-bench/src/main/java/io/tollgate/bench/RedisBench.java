package io.tollgate.bench;

import io.tollgate.testsupport.redis.RedisServer;

import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.limiter.StoreChain;
import io.tollgate.core.store.BucketStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.redis.RedisKeys;
import io.tollgate.redis.RedisSettingsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis phases: Tollgate's store (as configured by default, and with {@code ?batch=false}), Bucket4j's Lettuce CAS
 * proxy manager (Lettuce as it comes, and with flush consolidation) and raw EVALSHA on one private redis-server, each
 * with the same window of calls in flight on one connection. Every phase starts from an empty database (FLUSHALL) so
 * earlier phases do not drain later ones' buckets.
 */
final class RedisBench implements AutoCloseable {

    static final int WINDOW = 256;
    /** The rule of cases (b) and (c), idle latency and memory: capacity 20, greedy refill 5 per second. */
    static final BucketSpec RULE = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
    /**
     * The rule of case (a) and its ceiling, capacity 100 and greedy refill 100 per second: with 10,000 keys a client
     * would need over 1M decisions/s to be denied, so (a) stays "mostly allowed" for every client at any rate it
     * reaches. Under {@link #RULE} (50,000 allowed/s over 10,000 keys) a faster client was denied more, and a
     * denial writes nothing, so the comparison measured the denied share as much as the client.
     */
    static final BucketSpec ALLOWED = BucketSpec.of(Limit.of(100, 100, RefillPeriod.SECOND));
    /** A hot global limit for the lease rows: large enough that 5% of it is a useful batch. */
    static final BucketSpec GLOBAL = BucketSpec.of(Limit.of(1_000_000, 200_000, RefillPeriod.SECOND));

    /** How the report names a rule, e.g. {@code "100 burst @ 100/s"} for {@link #ALLOWED}. */
    static String describe(BucketSpec spec) {
        StringBuilder sb = new StringBuilder();
        for (Limit l : spec.limits()) {
            if (!sb.isEmpty()) {
                sb.append(" + ");
            }
            sb.append(l.capacity()).append(" burst @ ").append(l.refillTokens().stripTrailingZeros().toPlainString())
                    .append('/').append(l.period() == RefillPeriod.SECOND ? "s" : l.period().label());
        }
        return sb.toString();
    }

    private final RedisServer redis;
    /** Lettuce as it comes; its I/O and computation threads are the only Netty pool of the bench. */
    private final ClientResources plain;
    /** The same threads, plus {@link FlushConsolidation}. */
    private final ClientResources flushed;
    private final RedisClient plainClient;
    private final RedisClient flushedClient;
    private final RedisURI uri;
    private final String url;
    private final RedisConnectionSettings settings;
    private final RedisBucketStore tollgate;
    private final RedisBucketStore unbatched;
    private final String unbatchedNote;
    private final Bucket4jOnRedis bucket4j;
    private final Bucket4jOnRedis bucket4jFlushed;
    private final StatefulRedisConnection<String, String> raw;
    private final StatefulRedisConnection<String, String> rawBatched;
    private final StatefulRedisConnection<String, String> cpuConnection;
    private final RedisCpu cpu;
    final String sha;
    final String script;

    RedisBench(RedisServer redis, int ioThreads) throws IOException {
        this.redis = redis;
        this.plain = DefaultClientResources.builder()
                .ioThreadPoolSize(ioThreads)
                .computationThreadPoolSize(ioThreads)
                .build();
        // Shared threads, timer and event bus, so every client runs on the one pool; only the customizer differs.
        this.flushed = DefaultClientResources.builder()
                .eventLoopGroupProvider(plain.eventLoopGroupProvider())
                .eventExecutorGroup(plain.eventExecutorGroup())
                .timer(plain.timer())
                .eventBus(plain.eventBus())
                .nettyCustomizer(new FlushConsolidation())
                .build();
        this.uri = RedisURI.create(redis.host(), redis.port());
        this.plainClient = RedisClient.create(plain);
        this.flushedClient = RedisClient.create(flushed);
        // The production timeout (100 ms) is a latency budget; this is a throughput run with 256 in flight on a
        // shared 2-core machine, so a late answer is counted, not failed. In the URL, not a with-call, so the
        // unbatched store's settings differ from these by batch=false alone.
        this.url = "redis://" + redis.host() + ":" + redis.port() + "?timeout=2s";
        this.settings = RedisConnectionSettings.fromUrl(url);
        // Given plain resources, the store shares their threads and adds its own customizer (flush consolidation
        // and reply stamps), as in an application.
        this.tollgate = RedisBucketStore.connect(settings, plain, null);
        RedisBucketStore u = null;
        String note = null;
        try {
            u = RedisBucketStore.connect(RedisConnectionSettings.fromUrl(url + "&batch=false"), plain, null);
        } catch (RedisSettingsException e) {
            // Before batched decisions are merged the option does not exist, and the default store is unbatched.
            note = "Tollgate unbatched not measured: this build's Redis URL parser rejects `batch=false` ("
                    + e.reason() + "); until batched decisions are merged the default store is itself unbatched";
        }
        this.unbatched = u;
        this.unbatchedNote = note;
        this.bucket4j = new Bucket4jOnRedis(plainClient.connect(ByteArrayCodec.INSTANCE, uri));
        this.bucket4jFlushed = new Bucket4jOnRedis(flushedClient.connect(ByteArrayCodec.INSTANCE, uri));
        // The ceiling connections get flush consolidation too, so they stay comparable with Tollgate.
        this.raw = flushedClient.connect(StringCodec.UTF8, uri);
        this.rawBatched = flushedClient.connect(StringCodec.UTF8, uri);
        this.rawBatched.setAutoFlushCommands(false);
        this.cpuConnection = plainClient.connect(StringCodec.UTF8, uri);
        this.cpu = new RedisCpu(cpuConnection);
        this.script = loadScript();
        this.sha = raw.sync().scriptLoad(script);
        if (!sha.equals(sha1(script))) {
            throw new IllegalStateException("script SHA mismatch");
        }
    }

    static String loadScript() throws IOException {
        try (InputStream in = RedisBucketStore.class.getResourceAsStream("/io/tollgate/redis/tollgate.lua")) {
            if (in == null) {
                throw new IOException("tollgate.lua not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String redisVersion() {
        for (String line : raw.sync().info("server").split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                return line.substring("redis_version:".length()).trim();
            }
        }
        return "?";
    }

    void flush() {
        raw.sync().flushall();
    }

    static String[] keys(String prefix, int n) {
        String[] k = new String[n];
        for (int i = 0; i < n; i++) {
            k[i] = prefix + i;
        }
        return k;
    }

    /** Redis's own CPU time, for {@link CpuSample#server}. */
    RedisCpu redisCpu() {
        return cpu;
    }

    /** Keys in database 0. */
    long dbSize() {
        return raw.sync().dbsize();
    }

    // ---- Tollgate ----------------------------------------------------------------------------------------------

    AsyncWindow.Result tollgate(BucketStore store, String[] keys, BucketSpec spec, long millis, long maxCalls)
            throws InterruptedException {
        int n = keys.length;
        return AsyncWindow.run(WINDOW, millis, maxCalls, i -> store.tryConsume(keys[(int) (i % n)], spec, 1),
                Decision::allowed);
    }

    static IdleLatency.Result tollgateIdle(BucketStore store, String[] keys, long maxCalls, long millis)
            throws InterruptedException {
        int n = keys.length;
        return IdleLatency.run(i -> store.tryConsume(keys[(int) (i % n)], RULE, 1), maxCalls, millis);
    }

    /** The store as configured by default (batched decisions once the store has them). */
    RedisBucketStore tollgateStore() {
        return tollgate;
    }

    /** The store of {@code ?batch=false}, or null when this build does not know the option (see {@link #unbatchedNote}). */
    RedisBucketStore unbatchedStore() {
        return unbatched;
    }

    /** Why there is no unbatched store, or null. */
    String unbatchedNote() {
        return unbatchedNote;
    }

    /** Leases around the shared store, which closing the chain leaves open. */
    StoreChain leasing() {
        return StoreChain.around(tollgate).leases().build();
    }

    /** A default-configured store on database {@code db}, closed by the caller. */
    RedisBucketStore storeOnDatabase(int db) {
        return RedisBucketStore.connect(RedisConnectionSettings.fromUrl(url.replace("?", "/" + db + "?")), plain,
                null);
    }

    /**
     * A store built as {@link #tollgateStore()} is (same settings and threads, its own connection), closed by the
     * caller.
     */
    RedisBucketStore newTollgateStore() {
        return RedisBucketStore.connect(settings, plain, null);
    }

    RedisBucketStore storeWithPrefix(String prefix) {
        return RedisBucketStore.connect(settings.withKeyPrefix(prefix), plain, null);
    }

    // ---- Bucket4j ----------------------------------------------------------------------------------------------

    /** Bucket4j on Lettuce as it comes. */
    Bucket4jOnRedis bucket4j() {
        return bucket4j;
    }

    /** Bucket4j on Lettuce with {@link FlushConsolidation}. */
    Bucket4jOnRedis bucket4jFlushed() {
        return bucket4jFlushed;
    }

    /** Bucket4j (Lettuce as it comes) on database {@code db}, closed by the caller. */
    Bucket4jOnRedis bucket4jOnDatabase(int db) {
        return new Bucket4jOnRedis(plainClient.connect(ByteArrayCodec.INSTANCE, database(db)));
    }

    /** A String connection to database {@code db}, closed by the caller. */
    StatefulRedisConnection<String, String> connect(int db) {
        return plainClient.connect(StringCodec.UTF8, database(db));
    }

    private RedisURI database(int db) {
        RedisURI u = RedisURI.create(redis.host(), redis.port());
        u.setDatabase(db);
        return u;
    }

    // ---- Ceiling: raw EVALSHA ----------------------------------------------------------------------------------

    /** Keys of the ceiling's {@code tollgate.lua} (the previous layout: a hash at {@code <prefix>:{<key>}:<8 hex>}). */
    String[][] rawKeys(String[] keys, BucketSpec spec) {
        String[][] k = new String[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            k[i] = new String[] {"tollgate:{" + keys[i] + "}:" + spec.fingerprint()};
        }
        return k;
    }

    static String[] rawArgs(BucketSpec spec) {
        return new String[] {"0", "1", Long.toString(spec.capacityUnits(0)), Long.toString(spec.unitsPerMicro(0)),
                Long.toString(spec.unitsPerToken(0))};
    }

    AsyncWindow.Result evalsha(String[] keys, BucketSpec spec, boolean batched, long millis, long maxCalls)
            throws InterruptedException {
        String[][] k = rawKeys(keys, spec);
        String[] argv = rawArgs(spec);
        int n = k.length;
        RedisAsyncCommands<String, String> async = (batched ? rawBatched : raw).async();
        AsyncWindow.Op<List<Object>> op = i -> async.<List<Object>>evalsha(sha, ScriptOutputType.MULTI,
                k[(int) (i % n)], argv);
        AsyncWindow.Classifier<List<Object>> allowed = r -> (Long) r.get(0) == 1L;
        if (batched) {
            return AsyncWindow.run(WINDOW, millis, maxCalls, op, allowed, rawBatched::flushCommands, 32);
        }
        return AsyncWindow.run(WINDOW, millis, maxCalls, op, allowed);
    }

    /** {@code redis-benchmark -P 16} of the same EVALSHA over 10,000 random keys; requests/s, or -1 if unavailable. */
    double redisBenchmark(long requests, BucketSpec spec, StringBuilder note) throws IOException, InterruptedException {
        String bin = Procs.onPath("redis-benchmark");
        if (bin == null) {
            note.append("redis-benchmark not on PATH");
            return -1;
        }
        List<String> cmd = new ArrayList<>(List.of(bin, "-h", redis.host(), "-p", Integer.toString(redis.port()),
                "-P", "16", "-c", "50", "-n", Long.toString(requests), "-r", "10000", "--csv",
                "EVALSHA", sha, "1", "tollgate:{rb:__rand_int__}:" + spec.fingerprint()));
        cmd.addAll(List.of(rawArgs(spec)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                note.append("redis-benchmark timed out");
                return -1;
            }
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // CSV: "test","rps",...  -> the second field of the last data line.
        double rps = -1;
        for (String line : out.split("\r?\n")) {
            String[] f = line.split("\",\"");
            if (f.length >= 2 && !line.startsWith("\"test\"")) {
                try {
                    rps = Double.parseDouble(f[1].replace("\"", ""));
                } catch (NumberFormatException ignored) {
                    // header or noise
                }
            }
        }
        if (rps < 0) {
            note.append("could not parse redis-benchmark output: ").append(out.strip());
        }
        return rps;
    }

    // ---- Memory ------------------------------------------------------------------------------------------------

    /**
     * Mean MEMORY USAGE of {@code n} Tollgate buckets and {@code n} Bucket4j buckets of the rule, each drained by one
     * request of cost 20 (so it lives 4 s) and measured right away; {@code prefixed} is a Tollgate store with another
     * key prefix, for a third figure. Keys that expired before measuring are left out.
     */
    double[] memoryPerBucket(int n, RedisBucketStore prefixed, String prefix) throws Exception {
        flush();
        String[] keys = keys("mem:", n);
        AsyncBucketProxy[] proxies = bucket4j.proxies(keys, Bucket4jOnRedis.RULE);
        double[] sum = new double[3];
        int[] count = new int[3];
        for (int i = 0; i < n; i++) {
            tollgate.tryConsume(keys[i], RULE, 20).toCompletableFuture().get(5, TimeUnit.SECONDS);
            // the keys the stores write (RedisKeys: <prefix>:{<key>}:2<fp>), not the ceiling's previous layout
            add(sum, count, 0, raw.sync().memoryUsage(RedisKeys.key(RedisConnectionSettings.DEFAULT_KEY_PREFIX, keys[i],
                    RULE)));
            proxies[i].tryConsume(20).get(5, TimeUnit.SECONDS);
            add(sum, count, 1, raw.sync().memoryUsage("b4j:" + keys[i]));
            prefixed.tryConsume(keys[i], RULE, 20).toCompletableFuture().get(5, TimeUnit.SECONDS);
            add(sum, count, 2, raw.sync().memoryUsage(RedisKeys.key(prefix, keys[i], RULE)));
        }
        return new double[] {sum[0] / count[0], sum[1] / count[1], sum[2] / count[2]};
    }

    private static void add(double[] sum, int[] count, int i, Long v) {
        if (v != null) {
            sum[i] += v;
            count[i]++;
        }
    }


    @Override
    public void close() {
        tollgate.close();
        if (unbatched != null) {
            unbatched.close();
        }
        bucket4j.close();
        bucket4jFlushed.close();
        raw.close();
        rawBatched.close();
        cpuConnection.close();
        plainClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        flushedClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        flushed.shutdown(0, 2, TimeUnit.SECONDS);
        plain.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
