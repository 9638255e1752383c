package io.tollgate.scg;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Hands the limiter's answer back to the Netty event loop that asked. The Redis store completes on Lettuce's I/O
 * thread; continuing the gateway's filter chain there (routing, the proxied call, the response) would put every
 * request's work on that one thread. An answer that is already there (in-memory store, deny cache) continues inline,
 * as does a caller that is not on a Netty event loop.
 */
final class CallerLoop {

    private CallerLoop() {
    }

    static <T> CompletionStage<T> resume(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone()) {
            return f;
        }
        Executor loop = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        return loop == null ? f : f.thenApplyAsync(Function.identity(), loop);
    }
}
