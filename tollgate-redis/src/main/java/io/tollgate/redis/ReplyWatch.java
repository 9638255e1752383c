package io.tollgate.redis;

import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import java.util.Collection;

/**
 * Watches each Redis channel, so that the store can tell a silent Redis from a busy process.
 *
 * <p>Installed on Lettuce's channels through {@link io.lettuce.core.resource.ClientResources} (see
 * {@link RedisBucketStore#NETTY_CUSTOMIZER}), it adds three handlers:
 * <ul>
 *   <li>at the head, one that records the time of every read: bytes from Redis, so Redis is alive;</li>
 *   <li>at the tail, one that stamps each {@link StampedCommand} with the time and channel it was written on;</li>
 *   <li>a {@link FlushConsolidationHandler}: Lettuce flushes each command on its own, and with many requests in
 *       flight on one connection that is one system call per decision.</li>
 * </ul>
 * All of them run on the channel's event loop and cost a clock read per write or read event.
 */
final class ReplyWatch implements NettyCustomizer {

    private static final AttributeKey<ReadClock> READS = AttributeKey.valueOf("tollgate.reads");

    /** Time of the last read on one channel. Written by its event loop only. */
    static final class ReadClock {
        private volatile long lastReadNanos;

        ReadClock(long nanos) {
            this.lastReadNanos = nanos;
        }

        long lastReadNanos() {
            return lastReadNanos;
        }
    }

    /** The read clock of a channel this customizer initialised, or {@code null} for any other channel. */
    static ReadClock reads(Channel ch) {
        return ch.attr(READS).get();
    }

    @Override
    public void afterChannelInitialized(Channel channel) {
        ReadClock clock = new ReadClock(System.nanoTime());
        channel.attr(READS).set(clock);
        channel.pipeline().addFirst(new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        channel.pipeline().addFirst(new ReadStamp(clock));
        channel.pipeline().addLast(new WriteStamp());
    }

    /** Head of the pipeline: every inbound buffer is proof that Redis is talking. */
    private static final class ReadStamp extends ChannelInboundHandlerAdapter {
        private final ReadClock clock;

        ReadStamp(ReadClock clock) {
            this.clock = clock;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            clock.lastReadNanos = System.nanoTime();
            ctx.fireChannelRead(msg);
        }
    }

    /** Tail of the pipeline: commands enter here, one by one or as a collection. */
    private static final class WriteStamp extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            long now = System.nanoTime();
            if (msg instanceof RedisCommand<?, ?, ?> c) {
                stamp(c, ctx.channel(), now);
            } else if (msg instanceof Collection<?> batch) {
                for (Object o : batch) {
                    if (o instanceof RedisCommand<?, ?, ?> c) {
                        stamp(c, ctx.channel(), now);
                    }
                }
            }
            super.write(ctx, msg, promise);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static void stamp(RedisCommand<?, ?, ?> c, Channel ch, long now) {
            StampedCommand<?> s = c instanceof StampedCommand<?> direct ? direct
                    : (StampedCommand<?>) CommandWrapper.unwrap((RedisCommand) c, StampedCommand.class);
            if (s != null) {
                s.stamp(ch, now);
            }
        }
    }
}
