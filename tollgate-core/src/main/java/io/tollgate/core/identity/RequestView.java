package io.tollgate.core.identity;

import java.net.InetAddress;

/** The parts of an HTTP request the limiter looks at, independent of the web framework. */
public interface RequestView {

    /** The TCP peer, or {@code null} if the server does not know it. */
    InetAddress peerAddress();

    /** All values of header {@code name} joined with {@code ", "}, or {@code null} when the header is absent. */
    String header(String name);
}
