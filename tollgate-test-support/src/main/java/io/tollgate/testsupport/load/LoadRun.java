package io.tollgate.testsupport.load;

import io.tollgate.testsupport.load.Connection.State;
import io.tollgate.testsupport.load.ResponseParser.MalformedResponseException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * One closed-loop run on a single selector thread: every connection slot has at most one request in flight and sends
 * the next when the previous one has an outcome (after {@code --think}). Each request written gets exactly one sample
 * in the {@link SampleLog}; so does each failed connect. Nothing is retried: a failed request is recorded and the
 * slot goes on with a new request, on a new socket when the old one is unusable.
 *
 * <p>Timeouts, think pauses and connect back-off are found by a scan of all slots, at least every
 * {@value #SCAN_INTERVAL_MILLIS} ms and at the earliest deadline, so a lost request is recorded within
 * {@code --timeout} plus about that much.
 */
final class LoadRun {

    static final long SCAN_INTERVAL_MILLIS = 10;
    /** Wait after a failed connect before the next attempt, so a refusing server does not get a connect storm. */
    static final long CONNECT_BACKOFF_MILLIS = 100;

    private final LoadOptions options;
    private final SampleLog log;
    private final Connection[] slots;
    private final Selector selector;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024); // shared: parsing never keeps a reference
    private final byte[] readBytes = readBuffer.array();
    private final long timeoutNanos;

    private long runEndNanos;
    private int activeConnections;
    /** When the current phase ends, and how many connections the next one keeps (0 after the last). */
    private long phaseEndNanos;
    private int nextPhaseConnections;
    private boolean issuing = true;
    private long issued;
    private int inFlight;
    private long nextScanNanos;

    private long connects;
    private long connectFailures;
    private long unsolicited;
    private long closesAsked;
    private long idleCloses;

    LoadRun(LoadOptions options, SampleLog log, InternedValues values) throws IOException {
        this.options = options;
        this.log = log;
        this.timeoutNanos = options.timeoutNanos();
        this.slots = new Connection[options.maxConnections()];
        for (int c = 0; c < slots.length; c++) {
            Target target = options.targets().get(options.targetOf(c));
            byte[] request = RequestBytes.build(target, options.identityOf(c), options.headers());
            slots[c] = new Connection(c, target.address(), request, values);
        }
        this.selector = Selector.open();
    }

    /**
     * Runs the phases back to back from {@code startNanos}, then stops issuing and waits until every request in
     * flight has an outcome (at most {@code --timeout} more). Closes every socket before it returns.
     */
    void run(long startNanos) throws IOException {
        List<Phase> phases = options.phases();
        runEndNanos = startNanos + options.totalNanos();
        long nextPhaseNanos = startNanos;
        int nextPhase = 0;
        nextScanNanos = startNanos;
        try {
            while (true) {
                long now = System.nanoTime();
                if (issuing && (now >= runEndNanos || issued >= options.maxRequests())) {
                    stopIssuing();
                }
                while (issuing && nextPhase < phases.size() && now >= nextPhaseNanos) {
                    nextPhaseNanos += phases.get(nextPhase).durationNanos();
                    phaseEndNanos = nextPhaseNanos;
                    nextPhaseConnections = nextPhase + 1 < phases.size() ? phases.get(nextPhase + 1).connections() : 0;
                    enterPhase(phases.get(nextPhase).connections(), now);
                    nextPhase++;
                }
                if (!issuing && inFlight == 0) {
                    checkAccounts();
                    return;
                }
                if (now >= nextScanNanos) {
                    scan(now);
                }
                long wakeNanos = issuing ? Math.min(nextScanNanos, nextPhaseNanos) : nextScanNanos;
                long waitNanos = wakeNanos - System.nanoTime();
                if (waitNanos <= 0) {
                    selector.selectNow(this::onReady);
                } else {
                    selector.select(this::onReady, Math.max(1, (waitNanos + 999_999) / 1_000_000));
                }
            }
        } finally {
            for (Connection c : slots) {
                c.closeSocket();
            }
            selector.close();
        }
    }

    /** A sample per request written and per connection event, or the run's numbers cannot be trusted. */
    private void checkAccounts() {
        long expected = issued + connectFailures + unsolicited;
        if (log.size() != expected) {
            throw new IllegalStateException("bookkeeping error: " + log.size() + " samples for " + issued
                    + " requests, " + connectFailures + " failed connects and " + unsolicited + " unsolicited");
        }
    }

    /** Requests written. */
    long issued() {
        return issued;
    }

    /** One line of counts for the log. */
    String summary() {
        return "requests " + issued + ", connects " + connects + " (" + connectFailures + " failed), "
                + closesAsked + " closed after a response that said so, " + idleCloses
                + " closed by the server between requests";
    }

    private void enterPhase(int connections, long now) {
        activeConnections = connections;
        for (Connection c : slots) {
            if (c.id < connections) {
                if (c.state == State.CLOSED) {
                    connect(c, now);
                }
            } else if (c.state != State.IN_FLIGHT && c.state != State.CLOSED) {
                close(c); // surplus: no request to finish
            }
        }
    }

    private void stopIssuing() {
        issuing = false;
        for (Connection c : slots) {
            if (c.state != State.IN_FLIGHT) {
                close(c);
            }
        }
    }

    private boolean shouldIssue(Connection c, long now) {
        // Events handled after a phase boundary but before the loop has entered the next phase already follow it,
        // so a surplus connection never starts a request after its phase ended.
        int connections = now < phaseEndNanos ? activeConnections : nextPhaseConnections;
        return issuing && now < runEndNanos && c.id < connections && issued < options.maxRequests();
    }

    private void scan(long now) {
        nextScanNanos = now + SCAN_INTERVAL_MILLIS * 1_000_000;
        for (Connection c : slots) {
            switch (c.state) {
                case CONNECTING -> {
                    long deadline = c.connectStartNanos + timeoutNanos;
                    if (now >= deadline) {
                        connectFailed(c, now, "connect: not established within " + options.timeoutText());
                    } else {
                        soon(deadline);
                    }
                }
                case IN_FLIGHT -> {
                    long deadline = c.requestStartNanos + timeoutNanos;
                    if (now >= deadline) {
                        lost(c, now);
                    } else {
                        soon(deadline);
                    }
                }
                case THINKING -> {
                    if (now < c.wakeAtNanos) {
                        soon(c.wakeAtNanos);
                    } else if (shouldIssue(c, now)) {
                        issue(c, now);
                    } else {
                        close(c);
                    }
                }
                case BACKOFF -> {
                    if (now < c.wakeAtNanos) {
                        soon(c.wakeAtNanos);
                    } else if (shouldIssue(c, now)) {
                        connect(c, now);
                    } else {
                        close(c);
                    }
                }
                case CLOSED -> {
                }
            }
        }
    }

    private void soon(long nanos) {
        if (nanos < nextScanNanos) {
            nextScanNanos = nanos;
        }
    }

    private void onReady(SelectionKey key) {
        Connection c = (Connection) key.attachment();
        if (c.key != key || !key.isValid()) {
            return; // the socket this event was for is gone already
        }
        int ops = key.readyOps();
        long now = System.nanoTime();
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            finishConnect(c, now);
            return;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            writeRest(c, now);
            if (c.key != key) {
                return;
            }
        }
        if ((ops & SelectionKey.OP_READ) != 0) {
            read(c, now);
        }
    }

    private void connect(Connection c, long now) {
        c.state = State.CONNECTING;
        c.connectStartNanos = now;
        soon(now + timeoutNanos);
        connects++;
        try {
            SocketChannel channel = SocketChannel.open();
            c.channel = channel;
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean connected = channel.connect(c.address);
            c.key = channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, c);
            if (connected) {
                connected(c, now);
            }
        } catch (IOException e) {
            connectFailed(c, now, "connect: " + describe(e));
        }
    }

    private void finishConnect(Connection c, long now) {
        try {
            if (!c.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            connectFailed(c, now, "connect: " + describe(e));
            return;
        }
        c.key.interestOps(SelectionKey.OP_READ);
        connected(c, now);
    }

    private void connected(Connection c, long now) {
        if (shouldIssue(c, now)) {
            send(c, now);
        } else {
            close(c);
        }
    }

    private void connectFailed(Connection c, long now, String reason) {
        connectFailures++;
        log.failed(c.id, c.connectStartNanos, now, Sample.CONNECTION_ERROR, reason);
        c.closeSocket();
        if (shouldIssue(c, now)) {
            c.state = State.BACKOFF;
            c.wakeAtNanos = now + CONNECT_BACKOFF_MILLIS * 1_000_000;
            soon(c.wakeAtNanos);
        } else {
            c.state = State.CLOSED;
        }
    }

    /** The next request of a slot that should issue one: on its socket, or on a new one. */
    private void issue(Connection c, long now) {
        if (c.channel == null) {
            connect(c, now);
        } else {
            send(c, now);
        }
    }

    private void send(Connection c, long now) {
        issued++;
        inFlight++;
        c.state = State.IN_FLIGHT;
        c.requestStartNanos = now;
        c.requestsOnSocket++;
        c.response.reset();
        c.request.rewind();
        soon(now + timeoutNanos);
        try {
            c.channel.write(c.request);
        } catch (IOException e) {
            failed(c, now, "write: " + describe(e));
            return;
        }
        if (c.request.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void writeRest(Connection c, long now) {
        if (c.state != State.IN_FLIGHT || !c.request.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ);
            return;
        }
        try {
            c.channel.write(c.request);
        } catch (IOException e) {
            failed(c, now, "write: " + describe(e));
            return;
        }
        if (!c.request.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void read(Connection c, long now) {
        while (true) {
            readBuffer.clear();
            int n;
            try {
                n = c.channel.read(readBuffer);
            } catch (IOException e) {
                if (c.state == State.IN_FLIGHT) {
                    failed(c, now, "read: " + describe(e) + " " + c.response.progress());
                } else {
                    idleClosed(c);
                }
                return;
            }
            if (n == 0) {
                return;
            }
            if (n < 0) {
                endOfStream(c, now);
                return;
            }
            if (c.state != State.IN_FLIGHT) {
                unsolicited(c, now, n, "while no request was in flight");
                return;
            }
            int used;
            try {
                used = c.response.feed(readBytes, 0, n);
            } catch (MalformedResponseException e) {
                failed(c, now, "malformed response: " + e.getMessage());
                return;
            }
            if (c.response.complete()) {
                answered(c, now, n - used);
                return;
            }
            if (n < readBuffer.capacity()) {
                return; // the socket is most likely drained; the selector says when there is more
            }
        }
    }

    private void endOfStream(Connection c, long now) {
        if (c.state != State.IN_FLIGHT) {
            idleClosed(c);
        } else if (c.response.endOfInput()) {
            answered(c, now, 0); // a close-delimited body
        } else {
            failed(c, now, "closed by the server " + c.response.progress());
        }
    }

    private void answered(Connection c, long now, int extraBytes) {
        ResponseParser response = c.response;
        log.answered(c.id, c.requestStartNanos, now, response.status(), response.degraded(), response.retryAfter());
        inFlight--;
        if (extraBytes > 0) {
            unsolicited(c, now, extraBytes, "after a complete response");
        } else if (response.closeAfter() || c.request.hasRemaining()) {
            // An answer before the whole request was written leaves the connection out of step: replace it too.
            closesAsked += response.closeAfter() ? 1 : 0;
            c.closeSocket();
        }
        next(c, now);
    }

    /** Bytes nobody asked for: not a request's outcome, but recorded so that nothing is hidden. */
    private void unsolicited(Connection c, long now, int bytes, String when) {
        unsolicited++;
        log.failed(c.id, now, now, Sample.CONNECTION_ERROR,
                "unsolicited: " + bytes + " bytes from the server " + when + "; connection closed");
        c.closeSocket(); // the stream is out of step with the requests; the slot's next request gets a new socket
    }

    private void idleClosed(Connection c) {
        idleCloses++; // not a loss: no request was in flight; the next one goes on a new socket
        c.closeSocket();
    }

    private void failed(Connection c, long now, String reason) {
        log.failed(c.id, c.requestStartNanos, now, Sample.CONNECTION_ERROR, reason + onSocket(c));
        inFlight--;
        c.closeSocket();
        next(c, now);
    }

    private void lost(Connection c, long now) {
        log.failed(c.id, c.requestStartNanos, now, Sample.LOST,
                "no complete response within " + options.timeoutText() + ", " + c.response.progress() + onSocket(c));
        inFlight--;
        c.closeSocket();
        next(c, now);
    }

    /** After a request's outcome: think, issue the next request, or close when this slot is done. */
    private void next(Connection c, long now) {
        if (!shouldIssue(c, now)) {
            close(c);
        } else if (options.thinkNanos() > 0) {
            c.state = State.THINKING;
            c.wakeAtNanos = now + options.thinkNanos();
            soon(c.wakeAtNanos);
        } else {
            issue(c, now);
        }
    }

    private void close(Connection c) {
        c.closeSocket();
        c.state = State.CLOSED;
    }

    /** Whether the socket was fresh: a failure on a reused one may be a race with the server's idle close. */
    private static String onSocket(Connection c) {
        return "; request " + c.requestsOnSocket + " on its socket";
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
