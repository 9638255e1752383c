package io.tollgate.testsupport.load;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A blocking, thread-per-connection HTTP server that misbehaves on purpose: a script maps the number of each request
 * (1, 2, ... over all connections) to an {@link Action}, and the server counts what it did. Meant for a few dozen
 * connections.
 */
final class ScriptedHttpServer implements AutoCloseable {

    /** What the server does with one request. */
    enum Action {
        /** 200 with Content-Length, keep-alive. */
        ANSWER,
        /** Never answer; keep the connection open until the client gives up on it. */
        HOLD,
        /** Send the headers and 10 of the 100 body bytes, then close (FIN). */
        CUT_SHORT,
        /** Send the headers and 10 of the 100 body bytes, then reset the connection (RST). */
        CUT_WITH_RESET,
        /** 200 with {@code Connection: close}, then close. */
        ANSWER_AND_CLOSE,
        /** 200 with keep-alive, then close the connection without having said so. */
        ANSWER_THEN_CLOSE_IDLE,
        /** 200 chunked in three chunks, with a {@code Retry-After} trailer. */
        CHUNKED_WITH_TRAILER,
        /** 200 with Content-Length, and 5 bytes more than it says, in one write. */
        EXTRA_BYTES
    }

    private static final String BODY = "0123456789".repeat(10);

    private final ServerSocket server;
    private final LongFunction<Action> script;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final Map<Action, AtomicLong> done = new EnumMap<>(Action.class);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    ScriptedHttpServer(LongFunction<Action> script) throws IOException {
        this.script = script;
        for (Action action : Action.values()) {
            done.put(action, new AtomicLong());
        }
        server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "scripted-http-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many requests got this action. */
    long count(Action action) {
        return done.get(action).get();
    }

    long accepted() {
        return accepted.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "scripted-http-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (readRequest(in)) {
                Action action = script.apply(requests.incrementAndGet());
                done.get(action).incrementAndGet();
                switch (action) {
                    case ANSWER -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY);
                    case HOLD -> {
                        // The client closes the connection when it times out; the next read ends this thread.
                    }
                    case CUT_SHORT -> {
                        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY.substring(0, 10));
                        return;
                    }
                    case CUT_WITH_RESET -> {
                        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY.substring(0, 10));
                        pause(20); // let the bytes go out before the reset discards them
                        socket.setSoLinger(true, 0);
                        return;
                    }
                    case ANSWER_AND_CLOSE -> {
                        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + BODY);
                        return;
                    }
                    case ANSWER_THEN_CLOSE_IDLE -> {
                        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY);
                        return;
                    }
                    case CHUNKED_WITH_TRAILER -> write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                            + "Trailer: Retry-After\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n"
                            + "Retry-After: 7\r\n\r\n");
                    case EXTRA_BYTES -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY + "extra");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            sockets.remove(socket);
        }
    }

    /** Reads one request head; false at end of stream. */
    private static boolean readRequest(InputStream in) throws IOException {
        int matched = 0;
        boolean any = false;
        while (matched < 4) {
            int b;
            try {
                b = in.read();
            } catch (SocketException e) {
                return false;
            }
            if (b < 0) {
                return false;
            }
            any = true;
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return any;
    }

    private static void write(OutputStream out, String response) throws IOException {
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
