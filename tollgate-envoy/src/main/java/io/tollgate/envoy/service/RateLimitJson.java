package io.tollgate.envoy.service;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The same decisions as gRPC, as JSON over HTTP ({@code POST /json} in envoyproxy/ratelimit): a proto3-JSON
 * {@code RateLimitRequest} in, a proto3-JSON {@code RateLimitResponse} out ({@code overallCode}, {@code statuses},
 * {@code currentLimit}, {@code limitRemaining}, {@code durationUntilReset}), with the status code telling the outcome:
 * 200 OK, 429 OVER_LIMIT, 400 for JSON that is no request (unknown fields included) or a request that cannot be
 * decided, 500 for an UNKNOWN code. Framework-neutral: a web adapter passes the body and writes the answer.
 */
public final class RateLimitJson {

    /** One answer: HTTP status and a JSON (200, 429, 500) or plain-text (400) body. */
    public record Answer(int status, String body, boolean json) {
    }

    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private final EnvoyLimiter limiter;

    public RateLimitJson(EnvoyLimiter limiter) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
    }

    /** Decides the request in {@code body}. Never blocks; the stage always completes normally. */
    public CompletionStage<Answer> decide(String body) {
        RateLimitRequest.Builder request = RateLimitRequest.newBuilder();
        try {
            PARSER.merge(body, request);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return CompletableFuture.completedFuture(new Answer(400, "invalid RateLimitRequest JSON: " + e.getMessage()
                    + "\n", false));
        }
        return limiter.shouldRateLimit(request.build()).handle((response, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                return new Answer(400, cause.getMessage() + "\n", false);
            }
            int status = switch (response.getOverallCode()) {
                case OK -> 200;
                case OVER_LIMIT -> 429;
                default -> 500;
            };
            return new Answer(status, print(response), true);
        });
    }

    static String print(RateLimitResponse response) {
        try {
            return PRINTER.print(response);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a built RateLimitResponse always prints", e);
        }
    }
}
