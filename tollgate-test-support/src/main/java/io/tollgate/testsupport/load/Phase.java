package io.tollgate.testsupport.load;

/**
 * A stretch of the run with a fixed number of open connections.
 *
 * @param connections how many connections are open (each with at most one request in flight)
 * @param durationNanos how long the phase lasts
 * @param text the phase as written on the command line, for messages
 */
record Phase(int connections, long durationNanos, String text) {

    /** The most connections one run may ask for; above it the client runs out of ports or descriptors anyway. */
    static final int MAX_CONNECTIONS = 60_000;

    /**
     * Parses {@code CONNECTIONS:DURATION}, e.g. {@code 1000:15s}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static Phase parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected CONNECTIONS:DURATION like 20:8s, got '" + text + "'");
        }
        int connections;
        try {
            connections = Integer.parseInt(text.substring(0, colon));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("connections must be a whole number, got '" + text + "'");
        }
        if (connections < 0 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be 0.." + MAX_CONNECTIONS + ", got '" + text + "'");
        }
        return new Phase(connections, DurationText.parseNanos(text.substring(colon + 1)), text);
    }
}
