package io.tollgate.bench;

import io.tollgate.testsupport.redis.RedisServer;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
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
import io.tollgate.core.lease.LeasingBucketStore;
import io.tollgate.core.store.BucketStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Redis phases: Tollgate's store, Bucket4j's Lettuce CAS proxy manager and raw EVALSHA on one private
 * redis-server, each with the same window of calls in flight on one connection. Every phase starts from an empty
 * database (FLUSHALL) so earlier phases do not drain later ones' buckets.
 */
final class RedisBench implements AutoCloseable {

    static final int WINDOW = 256;
    /** The rule of cases (a)-(c): capacity 20, greedy refill 5 per second. */
    static final BucketSpec RULE = BucketSpec.of(Limit.of(20, 5, RefillPeriod.SECOND));
    /** A hot global limit for the lease rows: large enough that 5% of it is a useful batch. */
    static final BucketSpec GLOBAL = BucketSpec.of(Limit.of(1_000_000, 200_000, RefillPeriod.SECOND));

    private final RedisServer redis;
    private final ClientResources resources;
    private final RedisConnectionSettings settings;
    private final RedisClient client;
    private final RedisBucketStore tollgate;
    private final StatefulRedisConnection<byte[], byte[]> b4jConnection;
    private final AsyncProxyManager<byte[]> bucket4j;
    private final StatefulRedisConnection<String, String> raw;
    private final StatefulRedisConnection<String, String> rawBatched;
    private final BucketConfiguration b4jRule;
    private final BucketConfiguration b4jGlobal;
    final String sha;
    final String script;

    RedisBench(RedisServer redis, int ioThreads) throws IOException {
        this.redis = redis;
        // One set of Lettuce resources for every client, sized for this machine; no extra computation threads.
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(ioThreads)
                .computationThreadPoolSize(ioThreads)
                // the flush consolidation Tollgate's own resources use; shared, so Bucket4j and the ceiling get it too
                .nettyCustomizer(RedisBucketStore.NETTY_CUSTOMIZER)
                .build();
        this.settings = RedisConnectionSettings
                .fromHostPort(redis.host(), redis.port(), 0, null, null, false)
                // The production default (100 ms) is a latency budget; this is a throughput run with 256 in flight on
                // a shared 2-core machine, so a late answer is counted, not failed.
                .withTimeout(Duration.ofSeconds(2));
        this.tollgate = RedisBucketStore.connect(settings, resources, null);
        this.client = RedisClient.create(resources, RedisURI.create(redis.host(), redis.port()));
        this.b4jConnection = client.connect(ByteArrayCodec.INSTANCE);
        this.bucket4j = LettuceBasedProxyManager.builderFor(b4jConnection)
                .withExpirationStrategy(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build()
                .asAsync();
        this.b4jRule = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(20).refillGreedy(5, Duration.ofSeconds(1)))
                .build();
        this.b4jGlobal = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(1_000_000).refillGreedy(200_000, Duration.ofSeconds(1)))
                .build();
        this.raw = client.connect(StringCodec.UTF8);
        this.rawBatched = client.connect(StringCodec.UTF8);
        this.rawBatched.setAutoFlushCommands(false);
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

    // ---- Tollgate ----------------------------------------------------------------------------------------------

    AsyncWindow.Result tollgate(BucketStore store, String[] keys, BucketSpec spec, long millis, long maxCalls)
            throws InterruptedException {
        int n = keys.length;
        return AsyncWindow.run(WINDOW, millis, maxCalls, i -> store.tryConsume(keys[(int) (i % n)], spec, 1),
                Decision::allowed);
    }

    RedisBucketStore tollgateStore() {
        return tollgate;
    }

    LeasingBucketStore leasing() {
        return new LeasingBucketStore(new NonClosing(tollgate), k -> true);
    }

    // ---- Bucket4j ----------------------------------------------------------------------------------------------

    AsyncBucketProxy[] bucket4jProxies(String[] keys, boolean global) {
        AsyncBucketProxy[] p = new AsyncBucketProxy[keys.length];
        BucketConfiguration cfg = global ? b4jGlobal : b4jRule;
        CompletableFuture<BucketConfiguration> config = CompletableFuture.completedFuture(cfg);
        for (int i = 0; i < keys.length; i++) {
            p[i] = bucket4j.builder().build(("b4j:" + keys[i]).getBytes(StandardCharsets.UTF_8), () -> config);
        }
        return p;
    }

    AsyncWindow.Result bucket4j(AsyncBucketProxy[] proxies, long millis, long maxCalls) throws InterruptedException {
        int n = proxies.length;
        return AsyncWindow.run(WINDOW, millis, maxCalls, i -> proxies[(int) (i % n)].tryConsume(1), b -> b);
    }

    // ---- Ceiling: raw EVALSHA ----------------------------------------------------------------------------------

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
        AsyncBucketProxy[] proxies = bucket4jProxies(keys, false);
        String[][] tk = rawKeys(keys, RULE);
        double[] sum = new double[3];
        int[] count = new int[3];
        for (int i = 0; i < n; i++) {
            tollgate.tryConsume(keys[i], RULE, 20).toCompletableFuture().get(5, TimeUnit.SECONDS);
            add(sum, count, 0, raw.sync().memoryUsage(tk[i][0]));
            proxies[i].tryConsume(20).get(5, TimeUnit.SECONDS);
            add(sum, count, 1, b4jConnection.sync().memoryUsage(("b4j:" + keys[i]).getBytes(StandardCharsets.UTF_8)));
            prefixed.tryConsume(keys[i], RULE, 20).toCompletableFuture().get(5, TimeUnit.SECONDS);
            add(sum, count, 2, raw.sync().memoryUsage(prefix + ":{" + keys[i] + "}:" + RULE.fingerprint()));
        }
        return new double[] {sum[0] / count[0], sum[1] / count[1], sum[2] / count[2]};
    }

    private static void add(double[] sum, int[] count, int i, Long v) {
        if (v != null) {
            sum[i] += v;
            count[i]++;
        }
    }

    RedisBucketStore storeWithPrefix(String prefix) {
        return RedisBucketStore.connect(settings.withKeyPrefix(prefix), resources, null);
    }

    @Override
    public void close() {
        tollgate.close();
        b4jConnection.close();
        raw.close();
        rawBatched.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Keeps a decorator's close() from closing the shared store. */
    static final class NonClosing implements BucketStore {
        private final BucketStore inner;

        NonClosing(BucketStore inner) {
            this.inner = inner;
        }

        @Override
        public java.util.concurrent.CompletionStage<Decision> tryConsume(String k, BucketSpec s, long cost) {
            return inner.tryConsume(k, s, cost);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> ping() {
            return inner.ping();
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public boolean distributed() {
            return inner.distributed();
        }

        @Override
        public void close() {
        }
    }
}
