package io.tollgate.redis;

import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.channel.Channel;

/**
 * A Lettuce command that learns when, and on which channel, it was sent. {@link ReplyWatch} stamps it on the channel's
 * event loop at the flush that hands its bytes to the socket, so a deadline can be measured from the moment Redis
 * could first see the command, not from when a caller asked for it.
 */
final class StampedCommand<T> extends AsyncCommand<String, String, T> {

    private volatile Channel channel;
    private volatile long sentNanos;

    StampedCommand(RedisCommand<String, String, T> command) {
        super(command);
    }

    /** Called on the event loop of {@code ch} each time the command is sent (again after a reconnect). */
    void stamp(Channel ch, long nanos) {
        this.sentNanos = nanos;
        this.channel = ch;
    }

    /** The channel it was last sent on; {@code null} while it still waits in this process. */
    Channel channel() {
        return channel;
    }

    /** {@link System#nanoTime()} of the last send; meaningful only once {@link #channel()} is set. */
    long sentNanos() {
        return sentNanos;
    }
}
