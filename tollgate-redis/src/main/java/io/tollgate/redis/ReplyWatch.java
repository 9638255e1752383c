package io.tollgate.redis;

import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;
import java.util.Collection;

/**
 * Watches each Redis channel, so that the store can tell a silent Redis from a busy process.
 *
 * <p>Installed on Lettuce's channels through {@link io.lettuce.core.resource.ClientResources} (see
 * {@link RedisBucketStore#NETTY_CUSTOMIZER}), it adds three handlers:
 * <ul>
 *   <li>at the tail, where commands enter the pipeline, one that notes each {@link StampedCommand} as written but
 *       not yet sent;</li>
 *   <li>a {@link FlushConsolidationHandler}: Lettuce flushes each command on its own, and with many requests in
 *       flight on one connection that is one system call per decision. It may hold a flush back until later in the
 *       event loop's turn;</li>
 *   <li>at the head, next to the socket, one that stamps the noted commands with the time and channel of the flush
 *       that sends them, and records the time of every read: bytes from Redis, so Redis is alive.</li>
 * </ul>
 * A command counts as sent only at that flush: one that waits in this process, written but not yet flushed because the
 * event loop is busy, has not been seen by Redis, and its wait is not Redis's. All handlers run on the channel's event
 * loop and cost a clock read per flush or read event and a queue operation per command.
 */
final class ReplyWatch implements NettyCustomizer {

    private static final AttributeKey<ChannelActivity> ACTIVITY = AttributeKey.valueOf("tollgate.activity");

    /** A customizer of shared client resources that runs first on each bootstrap and channel; null for none. */
    private final NettyCustomizer first;

    ReplyWatch() {
        this(null);
    }

    /** Runs {@code first} (e.g. the application's own customizer of resources this store shares) before its own. */
    ReplyWatch(NettyCustomizer first) {
        this.first = first;
    }

    @Override
    public void afterBootstrapInitialized(io.netty.bootstrap.Bootstrap bootstrap) {
        if (first != null) {
            first.afterBootstrapInitialized(bootstrap);
        }
    }

    /** What one channel sent and received. Written by its event loop only. */
    static final class ChannelActivity {
        private volatile long lastReadNanos;
        /** Commands written but not flushed yet, in write order; touched by the event loop only. */
        private final ArrayDeque<StampedCommand<?>> unsent = new ArrayDeque<>();

        ChannelActivity(long nanos) {
            this.lastReadNanos = nanos;
        }

        long lastReadNanos() {
            return lastReadNanos;
        }
    }

    /** The activity of a channel this customizer initialised, or {@code null} for any other channel. */
    static ChannelActivity activity(Channel ch) {
        return ch.attr(ACTIVITY).get();
    }

    @Override
    public void afterChannelInitialized(Channel channel) {
        if (first != null) {
            first.afterChannelInitialized(channel);
        }
        ChannelActivity activity = new ChannelActivity(System.nanoTime());
        channel.attr(ACTIVITY).set(activity);
        channel.pipeline().addFirst(new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        channel.pipeline().addFirst(new SocketStamp(activity));
        channel.pipeline().addLast(new WriteNote(activity));
    }

    /** Head of the pipeline: what reaches the socket and what comes from it. */
    private static final class SocketStamp extends ChannelDuplexHandler {
        private final ChannelActivity activity;

        SocketStamp(ChannelActivity activity) {
            this.activity = activity;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            activity.lastReadNanos = System.nanoTime();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!activity.unsent.isEmpty()) {
                long now = System.nanoTime();
                StampedCommand<?> c;
                while ((c = activity.unsent.poll()) != null) {
                    c.stamp(ctx.channel(), now);
                }
            }
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            activity.unsent.clear(); // Lettuce fails or re-sends them; a re-sent command is noted again
            ctx.fireChannelInactive();
        }
    }

    /** Tail of the pipeline: commands enter here, one by one or as a collection. */
    private static final class WriteNote extends ChannelOutboundHandlerAdapter {
        private final ChannelActivity activity;

        WriteNote(ChannelActivity activity) {
            this.activity = activity;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof RedisCommand<?, ?, ?> c) {
                note(c);
            } else if (msg instanceof Collection<?> batch) {
                for (Object o : batch) {
                    if (o instanceof RedisCommand<?, ?, ?> c) {
                        note(c);
                    }
                }
            }
            super.write(ctx, msg, promise);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private void note(RedisCommand<?, ?, ?> c) {
            StampedCommand<?> s = c instanceof StampedCommand<?> direct ? direct
                    : (StampedCommand<?>) CommandWrapper.unwrap((RedisCommand) c, StampedCommand.class);
            if (s != null) {
                activity.unsent.add(s);
            }
        }
    }
}
