package io.tollgate.core.identity;

import java.net.InetAddress;

/**
 * The parts of an HTTP request the limiter looks at, independent of the web framework. Each value a key part reads
 * returns {@code null} when the request lacks it; that part then falls back to the client IP ({@link ClientKeys}).
 */
public interface RequestView {

    /** The TCP peer, or {@code null} if the server does not know it. */
    InetAddress peerAddress();

    /** All values of header {@code name} joined with {@code ", "}, or {@code null} when the header is absent. */
    String header(String name);

    /**
     * The decoded, normalised request path the rule was matched against, from which {@code path:} keys take their
     * variable; {@code null} when unknown.
     */
    default String path() {
        return null;
    }

    /**
     * The first value of query parameter {@code name}, decoded (see {@link QueryString#first}), or {@code null} when
     * the query string has no such parameter. Never the request body's form fields.
     */
    default String queryParameter(String name) {
        return null;
    }

    /** The authenticated user's name, or {@code null} when the request is anonymous or the name is unknown. */
    default String principalName() {
        return null;
    }
}
