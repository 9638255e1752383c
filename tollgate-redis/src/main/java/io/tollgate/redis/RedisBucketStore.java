package io.tollgate.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.lettuce.core.resource.Delay;
import io.netty.util.HashedWheelTimer;
import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Decision;
import io.tollgate.core.store.BucketCall;
import io.tollgate.core.store.BucketStore;
import io.tollgate.core.store.MicrosClock;
import io.tollgate.core.store.StoreException;
import io.tollgate.core.store.StoreTimeoutException;
import io.tollgate.core.store.StoreUnavailableException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in Redis (standalone, Sentinel or Cluster), decided by an atomic Lua script ({@code tollgate_batch.lua})
 * that takes many decisions per call.
 *
 * <p>One shared Lettuce connection serves every caller; Lettuce pipelines concurrent commands on it. Calls never block.
 * On a standalone or Sentinel connection concurrent decisions are coalesced by a {@link Batcher}: at low load each goes
 * out at once, under load up to {@link RedisConnectionSettings#batchSize()} share one script call; a full queue sheds
 * with {@link io.tollgate.core.store.StoreOverloadedException}. With {@code batch=false}, and on Cluster, each decision
 * is its own call.
 * {@link #tryConsumeAll} sends its calls as one group of one script call (alone with {@code batch=false}, else inside
 * one batch), decided all or nothing by the script; on Cluster only per node, see {@link #tryConsumeAll}.
 * Each returned stage completes normally with the decision, or exceptionally with
 * <ul>
 *   <li>{@link StoreTimeoutException} when Redis sent nothing for the {@code timeout} after the command was written
 *       (a silent Redis: frozen, partitioned, hung);</li>
 *   <li>{@link StoreUnavailableException} when not connected or Redis answered with an error;</li>
 *   <li>{@link io.tollgate.core.store.StoreOverloadedException} when Redis kept answering but this call still had no
 *       reply after the {@code overloadTimeout}: the delay is a queue, in this process or in Redis, not a failure.</li>
 * </ul>
 * Time spent in this process (a cold JIT, a GC pause, a saturated event loop, a reply waiting to be read) never turns
 * into a {@link StoreTimeoutException}; see {@link ReplyDeadline}. Stages may complete on a Redis I/O thread, so
 * callbacks must not block.
 *
 * <p>The script is invoked by EVALSHA; if Redis lost it (SCRIPT FLUSH, restart, failover) the call is retried once with
 * EVAL, which also reloads it, so callers never see {@code NOSCRIPT}. Each bucket is one string
 * {@code <prefix>:{<bucketKey>}:<fingerprint>} that expires when it would be full again (layout in the script header).
 * Time a decision waits in the batcher's queue counts towards the overload timeout only, never as a Redis failure; a
 * failed batch fails each of its decisions with the same failure.
 *
 * <p>Faults (each covered by a test against real redis-server processes):
 * <ul>
 *   <li>Lost connection: calls fail at once with {@link StoreUnavailableException} (commands are rejected while
 *       disconnected, never queued); Lettuce reconnects in the background, at most {@code 1 s} apart when the store
 *       created its own client resources.</li>
 *   <li>Restart without persistence: the buckets are gone, so every bucket starts full again.</li>
 *   <li>Sentinel: each reconnect asks the sentinels for the current master, so after a failover decisions resume on
 *       the promoted replica (about 2-3 s after the master died with {@code down-after-milliseconds 1000}).</li>
 *   <li>Cluster master down (no replica): keys in its slots fail fast, others keep working only if the servers run
 *       with {@code cluster-require-full-coverage no} (otherwise Redis refuses every key once the node is marked
 *       failed); after the node comes back its keys work again.</li>
 *   <li>TLS: {@code rediss://} verifies the server certificate and host name by default; trust a private CA or a
 *       self-signed certificate with {@link RedisConnectionSettings#withTrustedCertificate}.</li>
 * </ul>
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger log = LoggerFactory.getLogger(RedisBucketStore.class);

    private static final int MAX_CACHED_SPECS = 4096;
    /** Longest pause between reconnect attempts with resources this store creates. */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
    private static final long TIMER_TICK_MILLIS = 5;
    /**
     * Batches in flight per connection before decisions queue (W); the second goes out only once half a batch waits
     * (see {@link Batcher}). Measured on loopback, sending the second at once made calls smaller and cost Redis more
     * per decision (quick bench, 10k keys: 103k/s at 7.2 µs of Redis CPU per decision against 137k/s at 4.7 µs with
     * one batch at a time; HTTP at 64 connections: 16-19 against 13-14 µs per request).
     */
    static final int BATCH_WINDOW = 2;
    /** The queue holds this many full batches per window slot before a decision is shed as overload. */
    static final int QUEUE_BATCHES = 8;
    /** MOVED/ASK redirects Lettuce follows for one decision sent again after its batch was refused. */
    static final int ROUTED_MAX_REDIRECTS = 3;

    /**
     * Install on your own {@code ClientResources} ({@code DefaultClientResources.builder().nettyCustomizer(...)}) when
     * you pass them to {@link #connect(RedisConnectionSettings, ClientResources, MicrosClock)}; the resources this store
     * creates have it. It adds {@link ReplyWatch}: flush consolidation (Lettuce flushes every command on its own, and
     * with many requests in flight on the one shared connection system calls, not Redis, become the limit) and the
     * read/write stamps that let the store tell a silent Redis from a busy process (see {@link ReplyDeadline}).
     * Without it a call fails after the timeout however busy this process is.
     */
    public static final NettyCustomizer NETTY_CUSTOMIZER = new ReplyWatch();

    /**
     * Client resources for a store that share the event loops, executor, timer and event bus of {@code shared} (for
     * example the application's Spring Data Redis resources), so the process runs one Netty pool, and that add
     * {@link #NETTY_CUSTOMIZER} after {@code shared}'s own customizer. Shutting the result down leaves {@code shared}
     * running; whoever owns {@code shared} shuts it down. Reconnects back off to at most 1 s apart, as with the
     * resources {@link #connect(RedisConnectionSettings)} creates.
     */
    public static ClientResources sharing(ClientResources shared) {
        NettyCustomizer theirs = shared.nettyCustomizer();
        return DefaultClientResources.builder()
                .eventLoopGroupProvider(shared.eventLoopGroupProvider())
                .eventExecutorGroup(shared.eventExecutorGroup())
                .timer(shared.timer())
                .eventBus(shared.eventBus())
                .reconnectDelay(RECONNECT_DELAY)
                .nettyCustomizer(theirs instanceof ReplyWatch ? theirs : new ReplyWatch(theirs))
                .build();
    }

    /** Client resources of this store's own, for {@code connect(settings, resources, …)} callers that share them. */
    public static ClientResources newClientResources() {
        return DefaultClientResources.builder().reconnectDelay(RECONNECT_DELAY).nettyCustomizer(NETTY_CUSTOMIZER).build();
    }

    // Reconnect attempts back off exponentially but at most 1 s apart (Lettuce's default cap is 30 s), so a restarted
    // server or a promoted Sentinel replica is picked up within about a second.
    private static final java.util.function.Supplier<Delay> RECONNECT_DELAY =
            () -> Delay.exponential(Duration.ofMillis(10), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS);

    private final StatefulConnection<String, String> connection;
    private final RedisConnectionSettings settings;
    private final String keyPrefix;
    private final ReplyDeadline deadline;
    /** Null in production: the script reads Redis {@code TIME}. */
    private final MicrosClock nowOverride;
    private final AutoCloseable ownedResources;
    private final HashedWheelTimer timer;
    private final SpecArguments arguments = new SpecArguments(MAX_CACHED_SPECS);
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Null when every decision is its own script call ({@code batch=false}) or on Cluster. */
    private final Batcher batcher;
    /** Cluster with batching: a lane per node or slot; null otherwise. */
    private final ClusterLanes lanes;

    /**
     * A store on a standalone or Sentinel connection. {@link #close()} closes the connection but not its client.
     *
     * @param settings          supplies the key prefix, timeout and description (its addresses are not used)
     * @param nowOverride       test only: the clock the script uses instead of Redis {@code TIME}, so wall time
     *                          (microseconds since the epoch) or a fake of it; null in production
     */
    public RedisBucketStore(StatefulRedisConnection<String, String> connection, RedisConnectionSettings settings,
            MicrosClock nowOverride) {
        this(connection, settings, nowOverride, null);
    }

    /** A store on a Cluster connection; otherwise as {@link #RedisBucketStore(StatefulRedisConnection, RedisConnectionSettings, MicrosClock)}. */
    public RedisBucketStore(StatefulRedisClusterConnection<String, String> connection, RedisConnectionSettings settings,
            MicrosClock nowOverride) {
        this(connection, settings, nowOverride, null, true);
    }

    private RedisBucketStore(StatefulConnection<String, String> connection, RedisConnectionSettings settings,
            MicrosClock nowOverride, AutoCloseable ownedResources) {
        this(connection, settings, nowOverride, ownedResources, true);
    }

    /**
     * @param crossSlot on Cluster, whether to batch per node when every master runs Redis 7+ (false forces the lane
     *                  per slot that Redis 6.2 needs; tests use it)
     */
    private RedisBucketStore(StatefulConnection<String, String> connection, RedisConnectionSettings settings,
            MicrosClock nowOverride, AutoCloseable ownedResources, boolean crossSlot) {
        this.connection = connection;
        this.settings = settings;
        this.keyPrefix = settings.keyPrefix();
        this.nowOverride = nowOverride;
        this.ownedResources = ownedResources;
        // One daemon thread fires per-call timeouts. A hashed wheel (5 ms ticks) rather than a
        // ScheduledThreadPoolExecutor: arming and cancelling are lock-free queue operations, where the executor took a
        // lock and re-sifted its heap twice per call, which profiling showed on the I/O thread's completion path.
        this.timer = new HashedWheelTimer(r -> {
            Thread t = new Thread(r, "tollgate-redis-timeout");
            t.setDaemon(true);
            return t;
        }, TIMER_TICK_MILLIS, TimeUnit.MILLISECONDS, 512);
        boolean watched = connection.getResources() != null
                && connection.getResources().nettyCustomizer() instanceof ReplyWatch;
        if (!watched) {
            log.warn("The Lettuce client resources of {} lack RedisBucketStore.NETTY_CUSTOMIZER: a call will fail after"
                    + " {} ms even when only this process is slow", settings.describeNodes(), settings.timeout().toMillis());
        }
        this.deadline = new ReplyDeadline(timer, settings.timeout().toNanos(), settings.overloadTimeout().toNanos(),
                watched, this::describe);
        boolean cluster = connection instanceof StatefulRedisClusterConnection;
        int maxQueued = QUEUE_BATCHES * settings.batchSize() * BATCH_WINDOW;
        this.batcher = settings.batching() && !cluster
                ? new Batcher(settings.batchSize(), BATCH_WINDOW, extraBatch(settings), maxQueued,
                        (batch, done) -> send(connection, BucketScript.PER_SLOT, batch, done, null))
                : null;
        if (settings.batching() && cluster) {
            StatefulRedisClusterConnection<String, String> c = (StatefulRedisClusterConnection<String, String>) connection;
            boolean perNode = crossSlot && RedisVersions.allMastersAtLeast(c, 7);
            log.info("redis cluster {}: batches per {}", settings.describeNodes(), perNode ? "node (Redis 7+)" : "slot");
            this.lanes = new ClusterLanes(c, perNode, this::send,
                    sender -> new Batcher(settings.batchSize(), BATCH_WINDOW, extraBatch(settings), maxQueued, sender));
        } else {
            this.lanes = null;
        }
    }

    /** The Cluster lanes, null unless batching on Cluster (for tests). */
    ClusterLanes clusterLanes() {
        return lanes;
    }

    /** Connects with new client resources, which {@link #close()} shuts down. Blocks while connecting (startup only). */
    public static RedisBucketStore connect(RedisConnectionSettings settings) {
        return connect(settings, null, null);
    }

    /**
     * Connects and returns a store that owns its client (and the client resources if {@code resources} is null).
     * Blocks while connecting, up to the connect timeout; meant for startup.
     *
     * @param resources         shared Lettuce resources, left running by {@link #close()} (used through {@link #sharing}
     *                          unless they already carry {@link #NETTY_CUSTOMIZER}); null to create private ones
     * @param nowOverride       test only, see {@link #RedisBucketStore(StatefulRedisConnection, RedisConnectionSettings, MicrosClock)}
     * @throws StoreUnavailableException if Redis cannot be reached (message without password)
     */
    public static RedisBucketStore connect(RedisConnectionSettings settings, ClientResources resources,
            MicrosClock nowOverride) {
        return connect(settings, resources, nowOverride, true);
    }

    /** As {@link #connect(RedisConnectionSettings, ClientResources, MicrosClock)}; {@code crossSlot} false forces
     * Cluster batches per slot, as on Redis 6.2 (tests). */
    static RedisBucketStore connect(RedisConnectionSettings settings, ClientResources resources,
            MicrosClock nowOverride, boolean crossSlot) {
        if (settings.tls() && settings.trustedCertificate() != null
                && !Files.isReadable(settings.trustedCertificate())) {
            throw new StoreUnavailableException("cannot connect to redis " + settings.describeNodes()
                    + ": trusted certificate file " + settings.trustedCertificate() + " is not readable");
        }
        // Resources without the reply watch (an application's own) are shared through a wrapper this store owns:
        // same event loops, plus the watch; shutting the wrapper down leaves the application's running.
        boolean watched = resources != null && resources.nettyCustomizer() instanceof ReplyWatch;
        ClientResources res = resources == null ? newClientResources() : watched ? resources : sharing(resources);
        boolean ownResources = !watched;
        SocketOptions socket = SocketOptions.builder().connectTimeout(settings.connectTimeout()).keepAlive(true).build();
        SslOptions ssl = sslOptions(settings);
        // Lettuce's own command timeout is only a backstop that clears commands stuck on a hung server; the store
        // enforces its own deadlines (ReplyDeadline), which may let a call wait up to the overload timeout.
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.overloadTimeout().plus(settings.timeout())
                .plusSeconds(1));
        List<RedisURI> uris = settings.toRedisUris();
        AutoCloseable[] client = new AutoCloseable[1];
        try {
            if (settings.mode() == RedisConnectionSettings.Mode.CLUSTER) {
                RedisClusterClient cc = RedisClusterClient.create(res, uris);
                client[0] = cc::shutdown;
                cc.setOptions(ClusterClientOptions.builder()
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enablePeriodicRefresh(Duration.ofSeconds(30))
                                .enableAllAdaptiveRefreshTriggers()
                                // a MOVED refreshes the table within a second (default 30 s), so batches stop
                                // going to a slot's old node soon after a migration or failover
                                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                                .build())
                        .maxRedirects(ROUTED_MAX_REDIRECTS)
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(socket)
                        .timeoutOptions(timeouts)
                        .sslOptions(ssl)
                        .build());
                StatefulRedisClusterConnection<String, String> c = cc.connect(StringCodec.UTF8);
                return new RedisBucketStore(c, settings, nowOverride,
                        owned(cc::shutdown, ownResources ? res : null), crossSlot);
            }
            RedisClient rc = RedisClient.create(res);
            client[0] = rc::shutdown;
            rc.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .sslOptions(ssl)
                    .build());
            // Sentinel: every (re)connect asks the sentinels for the current master, so after a failover the
            // auto-reconnect lands on the promoted replica.
            StatefulRedisConnection<String, String> c = rc.connect(StringCodec.UTF8, uris.get(0));
            return new RedisBucketStore(c, settings, nowOverride,
                    owned(rc::shutdown, ownResources ? res : null));
        } catch (RuntimeException e) {
            closeQuietly(client[0]);
            if (ownResources) {
                res.shutdown();
            }
            throw new StoreUnavailableException(settings.scrub("cannot connect to redis " + settings.describeNodes()
                    + ": " + e.getMessage()), e);
        }
    }

    /** TLS trust: the settings' PEM file if given, else the JVM default; peer verification as the URI says. */
    /** Decisions that must wait before a batch goes out beside one in flight: half a batch. */
    static int extraBatch(RedisConnectionSettings settings) {
        return Math.max(1, settings.batchSize() / 2);
    }

    private static SslOptions sslOptions(RedisConnectionSettings settings) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (settings.trustedCertificate() != null) {
            b.trustManager(settings.trustedCertificate().toFile());
        }
        return b.build();
    }

    private static AutoCloseable owned(AutoCloseable client, ClientResources resources) {
        return () -> {
            closeQuietly(client);
            if (resources != null) {
                resources.shutdown();
            }
        };
    }

    @Override
    public CompletionStage<Decision> tryConsume(String bucketKey, BucketSpec spec, long cost) {
        return decide(bucketKey, spec, cost, 0);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One decision of the batch script, batched like any other: the script finds the wait and moves the bucket's
     * time in the same atomic step (see {@code tollgate_batch.lua}, Reserve).
     */
    @Override
    public CompletionStage<Decision> tryReserve(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        if (maxWaitMicros < 0) {
            throw new IllegalArgumentException("maxWaitMicros must be at least 0, got " + maxWaitMicros);
        }
        return decide(bucketKey, spec, cost, maxWaitMicros);
    }

    private CompletionStage<Decision> decide(String bucketKey, BucketSpec spec, long cost, long maxWaitMicros) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
        if (spec.exceedsCapacity(cost)) {
            // no script call, so no server TIME: wall time stands in for it, as the store's decisions carry Redis time
            long now = nowOverride != null ? nowOverride.nowMicros() : MicrosClock.SYSTEM.nowMicros();
            return CompletableFuture.completedFuture(Decision.costExceedsCapacity(spec, cost, now));
        }
        CompletableFuture<Decision> out = new CompletableFuture<>();
        if (closed.get()) {
            out.completeExceptionally(new StoreUnavailableException("redis store is closed"));
            return out;
        }
        PendingDecision p = new PendingDecision(RedisKeys.key(keyPrefix, bucketKey, spec), spec, cost, out);
        p.maxWaitMicros = maxWaitMicros;
        // The deadline starts now, so time queued in this process counts towards the overload timeout (never towards
        // the silence budget: until its batch is sent the call has no command, see ReplyDeadline).
        p.call = deadline.start(out, "decide");
        if (batcher != null) {
            batcher.submit(p);
        } else if (lanes != null) {
            lanes.submit(p);
        } else {
            send(connection, BucketScript.PER_SLOT, List.of(p), () -> { }, null);
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Standalone and Sentinel: one script call decides the whole request atomically, exactly as the contract says.
     *
     * <p>Cluster: one script call reaches one node, so a request is split by node (by slot before Redis 7, and without
     * batching) and each part is decided all or nothing on its own. A request whose keys are all on one node (Redis 7+
     * with batching) or in one slot keeps the full guarantee; a slot holds one bucket key (under each of its specs),
     * since the bucket key is the hash tag. A request spanning nodes (or slots, where parts are per slot) does not:
     * each node's part is applied if that node allows it, so a denied request may have taken tokens on the nodes that
     * allowed their part (never more than each bucket allows, since every part is still atomic). The request is
     * reported admitted only when every part was applied; when it is not, an allowed decision may or may not have
     * taken its cost (its levels are after it if its part was applied, before it if not), and nothing else says
     * which. Decisions whose slot moves while they wait are sent again one key per call.
     */
    @Override
    public CompletionStage<List<Decision>> tryConsumeAll(List<BucketCall> calls) {
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("tryConsumeAll needs at least one call");
        }
        List<Decision> never = BucketStore.neverAllowed(calls,
                nowOverride != null ? nowOverride.nowMicros() : MicrosClock.SYSTEM.nowMicros());
        if (never != null) {
            return CompletableFuture.completedFuture(never);
        }
        if (closed.get()) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("redis store is closed"));
        }
        PendingDecision[] pending = new PendingDecision[calls.size()];
        for (int i = 0; i < pending.length; i++) {
            BucketCall c = calls.get(i);
            pending[i] = new PendingDecision(RedisKeys.key(keyPrefix, c.bucketKey(), c.spec()), c.spec(), c.cost(),
                    new CompletableFuture<>());
            pending[i].call = deadline.start(pending[i].out, "decide");
        }
        List<PendingDecision> group = List.of(pending);
        group.forEach(p -> p.group = group);
        if (batcher != null) {
            batcher.submit(pending[0]);
        } else if (lanes != null) {
            lanes.submit(pending[0]);
        } else if (connection instanceof StatefulRedisClusterConnection) {
            for (List<PendingDecision> part : bySlot(group)) {
                part.forEach(p -> p.group = part);
                send(connection, BucketScript.PER_SLOT, part, () -> { }, null);
            }
        } else {
            send(connection, BucketScript.PER_SLOT, group, () -> { }, null);
        }
        CompletableFuture<?>[] outs = new CompletableFuture<?>[pending.length];
        for (int i = 0; i < outs.length; i++) {
            outs[i] = pending[i].out;
        }
        return CompletableFuture.allOf(outs).thenApply(v -> {
            Decision[] out = new Decision[pending.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = pending[i].out.join();
            }
            return List.of(out);
        });
    }

    /** The decisions split by Cluster slot, in order within each part: what one call without batching can carry. */
    private static Collection<List<PendingDecision>> bySlot(List<PendingDecision> decisions) {
        Map<Integer, List<PendingDecision>> parts = new LinkedHashMap<>();
        for (PendingDecision p : decisions) {
            parts.computeIfAbsent(SlotHash.getSlot(p.redisKey), s -> new ArrayList<>()).add(p);
        }
        List<List<PendingDecision>> out = new ArrayList<>(parts.size());
        parts.values().forEach(part -> out.add(List.copyOf(part)));
        return out;
    }

    /**
     * Sends one batch as a single script call on {@code via} and completes its decisions; {@code done} runs once the
     * reply or the failure is in, before the decisions complete, so the batcher's next batch leaves first. On
     * {@code NOSCRIPT} the batch is retried once with EVAL (which reloads the script on that node). When Redis refused
     * the call as not the node of its keys and {@code refused} is given, the decisions go to it, uncompleted.
     */
    private void send(StatefulConnection<String, String> via, BucketScript script, List<PendingDecision> decisions,
            Runnable done, java.util.function.Consumer<List<PendingDecision>> refused) {
        String now = nowOverride != null ? Long.toString(nowOverride.nowMicros()) : "0";
        DecisionBatch batch = DecisionBatch.of(decisions, now, arguments, script.keysInArgv);
        StampedCommand<List<Object>> evalsha = script(CommandType.EVALSHA, script.sha1, batch.keys, batch.argv);
        carry(decisions, evalsha);
        dispatch(via, evalsha).whenComplete((result, error) -> {
            if (error == null) {
                done.run();
                batch.complete(result);
            } else if (isNoScript(error)) {
                // Redis lost the script (flush, restart, failover): EVAL runs and caches it on the key's node.
                StampedCommand<List<Object>> eval = script(CommandType.EVAL, script.text, batch.keys, batch.argv);
                carry(decisions, eval);
                dispatch(via, eval).whenComplete((r2, e2) -> {
                    done.run();
                    if (e2 == null) {
                        batch.complete(r2);
                    } else if (refused != null && isRefused(e2)) {
                        refused.accept(decisions);
                    } else {
                        batch.fail(failure(e2));
                    }
                });
            } else if (refused != null && isRefused(error)) {
                done.run();
                refused.accept(decisions);
            } else {
                done.run();
                batch.fail(failure(error));
            }
        });
    }

    /**
     * Whether Redis refused the call because (some of) its keys are not on that node, so nothing ran: MOVED, ASK and
     * TRYAGAIN before the script, or a script's access to a non-local key, which aborts it before its first write.
     */
    static boolean isRefused(Throwable error) {
        String m = unwrap(error).getMessage();
        return m != null && (m.startsWith("MOVED ") || m.startsWith("ASK ") || m.startsWith("TRYAGAIN")
                || m.contains("non local key"));
    }

    /** Points each decision's deadline at the command that now carries it. */
    private static void carry(List<PendingDecision> decisions, StampedCommand<?> command) {
        for (PendingDecision p : decisions) {
            p.call.command = command;
        }
    }

    private static StampedCommand<List<Object>> script(CommandType type, String scriptOrSha, String[] keys,
            String[] argv) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(scriptOrSha).add(keys.length)
                .addKeys(keys).addValues(argv);
        return new StampedCommand<>(new Command<>(type, new NestedMultiOutput<>(StringCodec.UTF8), args));
    }

    /** Hands the command to Lettuce; a dispatch that throws completes the command instead. */
    private <T> StampedCommand<T> dispatch(StatefulConnection<String, String> via, StampedCommand<T> command) {
        try {
            via.dispatch(command);
        } catch (RuntimeException e) {
            command.completeExceptionally(e);
        }
        return command;
    }

    @Override
    public CompletionStage<Void> ping() {
        CompletableFuture<Void> out = new CompletableFuture<>();
        if (closed.get()) {
            out.completeExceptionally(new StoreUnavailableException("redis store is closed"));
            return out;
        }
        ReplyDeadline.Call call = deadline.start(out, "ping");
        StampedCommand<String> ping = new StampedCommand<>(new Command<>(CommandType.PING,
                new StatusOutput<>(StringCodec.UTF8)));
        call.command = ping;
        dispatch(connection, ping).whenComplete((pong, error) -> {
            if (error == null) {
                out.complete(null);
            } else {
                out.completeExceptionally(failure(error));
            }
        });
        return out;
    }

    private static boolean isNoScript(Throwable error) {
        Throwable c = unwrap(error);
        return c instanceof RedisNoScriptException
                || (c.getMessage() != null && c.getMessage().startsWith("NOSCRIPT"));
    }

    /** Maps a Lettuce failure to a core exception; messages are scrubbed of the password. */
    StoreException failure(Throwable error) {
        Throwable c = unwrap(error);
        if (c instanceof StoreException se) {
            return se;
        }
        String msg = settings.scrub(c.getClass().getSimpleName() + ": " + c.getMessage());
        if (c instanceof RedisCommandTimeoutException || c instanceof java.util.concurrent.TimeoutException) {
            return new StoreTimeoutException("redis timed out (" + describe() + "): " + msg, c);
        }
        return new StoreUnavailableException("redis failed (" + describe() + "): " + msg, c);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    @Override
    public String describe() {
        return "redis " + settings.describeNodes();
    }

    @Override
    public boolean distributed() {
        return true;
    }

    /** Closes the connection, and the client and resources this store created; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (batcher != null) {
            batcher.close();
        }
        if (lanes != null) {
            lanes.close();
        }
        timer.stop();
        try {
            connection.close();
        } catch (RuntimeException e) {
            log.debug("closing redis connection failed", e);
        }
        closeQuietly(ownedResources);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing redis client failed", e);
        }
    }
}
