package io.tollgate.envoy.service;

import static io.tollgate.envoy.service.EnvoyLimiterTest.d;
import static io.tollgate.envoy.service.EnvoyLimiterTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.tollgate.core.store.InMemoryBucketStore;
import io.tollgate.envoy.config.EnvoyConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real gRPC server on a free port, called with Envoy's generated stubs; /json beside it gives the same answers. */
class RateLimitGrpcServerTest {

    private static final String CONFIG = """
            domain: edge
            descriptors:
              - key: remote_address
                rate_limit: {unit: minute, requests_per_unit: 3, name: per-ip}
            """;

    private InMemoryBucketStore store;
    private EnvoyLimiter limiter;
    private RateLimitGrpcServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        store = new InMemoryBucketStore();
        EnvoyConfig config = EnvoyConfig.parse("edge.yaml", CONFIG);
        limiter = EnvoyLimiter.builder(store, () -> config).build();
        server = new RateLimitGrpcServer(limiter, "127.0.0.1", 0, Duration.ofSeconds(2)).start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        store.close();
    }

    @Test
    void decidesOverGrpcWithTheOfficialStubs() {
        var stub = RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        RateLimitRequest req = request("edge", d("remote_address", "10.0.0.1"));
        for (int i = 2; i >= 0; i--) {
            RateLimitResponse r = stub.shouldRateLimit(req);
            assertThat(r.getOverallCode()).isEqualTo(Code.OK);
            assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(i);
            assertThat(r.getStatuses(0).getCurrentLimit().getName()).isEqualTo("per-ip");
        }
        assertThat(stub.shouldRateLimit(req).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    }

    @Test
    void anEmptyDomainIsAGrpcError() {
        var stub = RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> stub.shouldRateLimit(request("", d("remote_address", "1"))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("rate limit domain must not be empty");
                });
        assertThatThrownBy(() -> stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("edge").build()))
                .hasMessageContaining("rate limit descriptor list must not be empty");
    }

    @Test
    void servesHealthForTheRatelimitServiceAndReflection() throws Exception {
        var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("ratelimit").build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> services = answer.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(s -> s.getName()).toList();
        requests.onCompleted();
        assertThat(services).contains("envoy.service.ratelimit.v3.RateLimitService", "grpc.health.v1.Health");
    }

    @Test
    void jsonGivesTheSameAnswersAsGrpc() {
        var stub = RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        RateLimitJson json = new RateLimitJson(limiter);
        String body = "{\"domain\":\"edge\",\"descriptors\":[{\"entries\":[{\"key\":\"remote_address\",\"value\":\"10.0.0.9\"}]}]}";
        RateLimitRequest same = request("edge", d("remote_address", "10.0.0.9"));
        RateLimitJson.Answer a1 = json.decide(body).toCompletableFuture().join();
        assertThat(a1.status()).isEqualTo(200);
        assertThat(a1.body()).isEqualTo("{\"overallCode\":\"OK\",\"statuses\":[{\"code\":\"OK\",\"currentLimit\":"
                + "{\"requestsPerUnit\":3,\"unit\":\"MINUTE\",\"name\":\"per-ip\"},\"limitRemaining\":2,"
                + "\"durationUntilReset\":\"20s\"}]}");
        RateLimitResponse g2 = stub.shouldRateLimit(same);
        RateLimitJson.Answer a3 = json.decide(body).toCompletableFuture().join();
        assertThat(g2.getStatuses(0).getLimitRemaining()).isEqualTo(1);
        // proto3 JSON leaves out zero values, as envoyproxy/ratelimit's does: the last token is gone
        assertThat(a3.status()).isEqualTo(200);
        assertThat(a3.body()).doesNotContain("limitRemaining");
        RateLimitResponse g4 = stub.shouldRateLimit(same);
        RateLimitJson.Answer a5 = json.decide(body).toCompletableFuture().join();
        assertThat(g4.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(a5.status()).isEqualTo(429);
        // the same answer but for the time, which moved on between the two calls
        assertThat(withoutDuration(a5.body())).isEqualTo(withoutDuration(RateLimitJson.print(g4)));
        assertThat(a5.body()).contains("\"overallCode\":\"OVER_LIMIT\"", "\"code\":\"OVER_LIMIT\"");

        assertThat(json.decide("{\"domain\":\"edge\",\"bogus\":1}").toCompletableFuture().join().status())
                .isEqualTo(400);
        assertThat(json.decide("not json").toCompletableFuture().join().status()).isEqualTo(400);
        RateLimitJson.Answer empty = json.decide("{\"domain\":\"\",\"descriptors\":[{}]}").toCompletableFuture().join();
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.body()).contains("rate limit domain must not be empty");
    }

    private static String withoutDuration(String json) {
        return json.replaceAll("\"durationUntilReset\":\"[^\"]*\"", "");
    }
}
