package io.tollgate.envoy.service;

/**
 * A {@code ShouldRateLimit} request that cannot be decided: an empty domain or descriptor list (in envoyproxy/ratelimit's
 * words), or a descriptor's {@code limit} override that is no limit. gRPC answers it with {@code INVALID_ARGUMENT},
 * {@code /json} with 400. The message is safe to send back: it quotes only the request's structure.
 */
public final class InvalidRateLimitRequestException extends RuntimeException {

    public InvalidRateLimitRequestException(String message) {
        super(message, null, false, false);
    }
}
