package io.tollgate.testsupport.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection slot of a {@link LoadRun}: a fixed identity, target and request, and whichever socket currently
 * serves it. The slot outlives its sockets: a socket closed by the server or after a failure is replaced by a new one
 * in the same slot. Plain state; {@link LoadRun} drives the transitions.
 */
final class Connection {

    /** Where a slot is between requests. */
    enum State {
        /** No socket and nothing to do: the slot is not part of the current phase, or the run is over. */
        CLOSED,
        /** A socket is connecting; the request goes out when it is connected. */
        CONNECTING,
        /** The last connect failed; the next attempt is at {@link #wakeAtNanos}. */
        BACKOFF,
        /** A request was (at least partly) written and has no outcome yet. */
        IN_FLIGHT,
        /** Between requests until {@link #wakeAtNanos}; the socket may be open, or closed by the server meanwhile. */
        THINKING
    }

    final int id;
    final InetSocketAddress address;
    /** The request, ready to write: rewound for each send, never rebuilt. */
    final ByteBuffer request;
    final ResponseParser response;

    State state = State.CLOSED;
    SocketChannel channel;
    SelectionKey key;
    long connectStartNanos;
    long requestStartNanos;
    long wakeAtNanos;
    /** Requests written on the current socket, this one included: tells a fresh socket from a reused one. */
    int requestsOnSocket;

    Connection(int id, InetSocketAddress address, byte[] request, InternedValues values) {
        this.id = id;
        this.address = address;
        this.request = ByteBuffer.allocateDirect(request.length).put(request).flip();
        this.response = new ResponseParser(values);
    }

    /** Closes the socket, if any; the state is the caller's business. */
    void closeSocket() {
        if (channel != null) {
            try {
                channel.close(); // also cancels the key
            } catch (IOException e) {
                // Nothing to learn from a failed close of a socket we are done with.
            }
            channel = null;
            key = null;
            requestsOnSocket = 0;
        }
    }
}
