package io.tollgate.bench;

import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Adds Netty's {@link FlushConsolidationHandler} to every Lettuce channel, with the arguments Tollgate's own
 * resources use, and nothing else: Lettuce flushes each command on its own, so with many in flight on one connection
 * the client pays one system call per command. Lets Bucket4j and the raw EVALSHA ceiling be measured with the same
 * flush batching Tollgate gets from {@code RedisBucketStore.NETTY_CUSTOMIZER}.
 */
final class FlushConsolidation implements NettyCustomizer {

    @Override
    public void afterChannelInitialized(Channel channel) {
        // Next to the socket, so it sees every flush; also consolidates when no read is in progress (flushes are
        // then deferred to the end of the event loop's turn), as Tollgate's does.
        channel.pipeline().addFirst(new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
}
