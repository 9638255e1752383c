package io.tollgate.envoy.service;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server of the rate-limit service: {@code ShouldRateLimit}, {@code grpc.health.v1} (service
 * {@value #HEALTH_SERVICE}, and the server as a whole under "") and server reflection, on one port.
 *
 * <p>Calls run on the transport's event loops ({@code directExecutor}): the limiter never blocks, so no thread pool sits
 * between a call and its store request. Started by {@link #start()}; {@link #close()} reports NOT_SERVING, stops
 * taking calls, and lets calls in flight finish within the grace period.
 */
public final class RateLimitGrpcServer implements AutoCloseable {

    /** The health service name envoyproxy/ratelimit reports, which probes and Envoy health checks ask for. */
    public static final String HEALTH_SERVICE = "ratelimit";

    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final Duration grace;
    private final String address;

    /**
     * @param host  address to bind, such as {@code 0.0.0.0}
     * @param port  TCP port; 0 picks a free one ({@link #port()} tells which)
     * @param grace how long {@link #close()} waits for calls in flight
     */
    public RateLimitGrpcServer(EnvoyLimiter limiter, String host, int port, Duration grace) {
        Objects.requireNonNull(limiter, "limiter");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("gRPC port must be 0 to 65535, got " + port);
        }
        this.grace = Objects.requireNonNull(grace, "grace");
        this.address = host + ":" + port;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .directExecutor()
                .addService(new RateLimitGrpcService(limiter))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
    }

    /** Binds the port and starts serving; health reports SERVING from here on. */
    public RateLimitGrpcServer start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve gRPC on " + address + ": " + e.getMessage(), e);
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(HEALTH_SERVICE, ServingStatus.SERVING);
        return this;
    }

    /** The bound port (the real one when asked for 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
