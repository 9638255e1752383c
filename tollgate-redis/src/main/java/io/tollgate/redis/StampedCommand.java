package io.tollgate.redis;

import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.channel.Channel;

/**
 * A Lettuce command that learns when, and on which channel, it was written. {@link ReplyWatch}'s outbound handler
 * stamps it on the channel's event loop as the command passes into the pipeline, so a deadline can be measured from
 * the moment Redis could first see the command, not from when a caller asked for it.
 */
final class StampedCommand<T> extends AsyncCommand<String, String, T> {

    private volatile Channel channel;
    private volatile long writtenNanos;

    StampedCommand(RedisCommand<String, String, T> command) {
        super(command);
    }

    /** Called on the event loop of {@code ch} each time the command is written (again after a reconnect). */
    void stamp(Channel ch, long nanos) {
        this.writtenNanos = nanos;
        this.channel = ch;
    }

    /** The channel it was last written to; {@code null} while it still waits in this process. */
    Channel channel() {
        return channel;
    }

    /** {@link System#nanoTime()} of the last write; meaningful only once {@link #channel()} is set. */
    long writtenNanos() {
        return writtenNanos;
    }
}
