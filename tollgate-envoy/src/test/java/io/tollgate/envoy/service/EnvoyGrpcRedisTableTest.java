package io.tollgate.envoy.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tollgate.core.store.BucketStore;
import io.tollgate.redis.RedisBucketStore;
import io.tollgate.redis.RedisConnectionSettings;
import io.tollgate.testsupport.redis.RedisExtension;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole table of {@link EnvoyLimiterTest} again, end to end: every request goes through the real gRPC server on a
 * free port, called with Envoy's generated stubs, and every bucket lives in a real redis-server (the batched store,
 * on the test's manual clock, so the sequences stay exact). Each test gets a key prefix of its own.
 */
class EnvoyGrpcRedisTableTest extends EnvoyLimiterTest {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final Map<EnvoyLimiter, RateLimitGrpcServer> servers = new IdentityHashMap<>();
    private final Map<EnvoyLimiter, ManagedChannel> channels = new IdentityHashMap<>();

    @Override
    protected BucketStore backingStore() {
        RedisConnectionSettings settings = RedisConnectionSettings.fromUrl(REDIS.url()).toBuilder()
                .keyPrefix("table" + PREFIXES.incrementAndGet()).timeout(Duration.ofSeconds(2)).build();
        return RedisBucketStore.connect(settings, null, clock);
    }

    @Override
    protected RateLimitResponse decide(EnvoyLimiter l, RateLimitRequest request) {
        return RateLimitServiceGrpc.newBlockingStub(channel(l)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .shouldRateLimit(request);
    }

    @Override
    protected void assertInvalid(EnvoyLimiter l, RateLimitRequest request, String message) {
        assertThatThrownBy(() -> decide(l, request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    private ManagedChannel channel(EnvoyLimiter l) {
        return channels.computeIfAbsent(l, x -> {
            RateLimitGrpcServer server = new RateLimitGrpcServer(x, "127.0.0.1", 0, Duration.ofSeconds(2)).start();
            servers.put(x, server);
            return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        });
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        servers.values().forEach(RateLimitGrpcServer::close);
    }
}
