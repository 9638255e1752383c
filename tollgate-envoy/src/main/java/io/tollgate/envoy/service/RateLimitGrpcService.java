package io.tollgate.envoy.service;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit} on an {@link EnvoyLimiter}. Every call gets an
 * answer: the decision, {@code INVALID_ARGUMENT} for a request that cannot be decided, or (for a bug, never a store
 * failure, which the failure policy answers) {@code INTERNAL}. Never blocks the transport thread that calls it.
 */
final class RateLimitGrpcService extends RateLimitServiceGrpc.RateLimitServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(RateLimitGrpcService.class);

    private final EnvoyLimiter limiter;

    RateLimitGrpcService(EnvoyLimiter limiter) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
    }

    @Override
    public void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> responses) {
        if (responses instanceof ServerCallStreamObserver<RateLimitResponse> call) {
            // a client that gave up (Envoy's timeout) must not turn the late answer into an exception
            call.setOnCancelHandler(() -> { });
        }
        limiter.shouldRateLimit(request).whenComplete((response, error) -> {
            if (error == null) {
                responses.onNext(response);
                responses.onCompleted();
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof InvalidRateLimitRequestException invalid) {
                responses.onError(Status.INVALID_ARGUMENT.withDescription(invalid.getMessage()).asRuntimeException());
            } else {
                log.error("ShouldRateLimit failed for domain \"{}\"", request.getDomain(), cause);
                responses.onError(Status.INTERNAL.withDescription("rate limit service error: " + cause)
                        .asRuntimeException());
            }
        });
    }
}
