package io.tollgate.spring.web;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Resumes a request on the Netty event loop that started it once the limiter has answered.
 *
 * <p>The Redis store completes its stages on Lettuce's I/O thread. Continuing the request there would run every
 * request's remaining work (the handler, the response) on that one thread: it then reads Redis replies only between
 * requests, so replies wait in the socket and all requests queue behind one core. Handing the verdict back to the
 * request's own event loop keeps Lettuce's thread for Redis and spreads requests over the server's loops. Stages that
 * are already complete (deny cache, in-memory store) continue inline, as do requests not on a Netty event loop
 * (another server, or Netty absent).
 */
final class CallerEventLoop {

    private static final boolean NETTY = present("io.netty.util.internal.ThreadExecutorMap");

    private CallerEventLoop() {
    }

    /** {@code stage}, completing on the caller's event loop when it is not complete yet and the caller is on one. */
    static <T> CompletionStage<T> resumeOnCaller(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone() || !NETTY) {
            return f;
        }
        Executor loop = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        return loop == null ? f : f.thenApplyAsync(Function.identity(), loop);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, CallerEventLoop.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
