package io.tollgate.testsupport.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cheapest possible keep-alive HTTP server: one NIO thread that answers each request (anything ending in an empty
 * line) with the same 200 response. For measuring the client, and for tests that need many connections.
 * {@code main(port)} runs it stand-alone.
 */
final class TrivialHttpServer implements AutoCloseable {

    private static final byte[] RESPONSE =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean running = true;

    TrivialHttpServer(int port) throws IOException {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        server.configureBlocking(false);
        selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::loop, "trivial-http-server");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.socket().getLocalPort();
    }

    /** Responses written so far. */
    long answered() {
        return answered.get();
    }

    /** Per connection: how far into "\r\n\r\n" the request bytes are. */
    private static final class State {
        int matched;
    }

    private void loop() {
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer out = ByteBuffer.allocateDirect(RESPONSE.length * 64);
        try {
            while (running) {
                selector.select(key -> {
                    try {
                        if (key.isAcceptable()) {
                            SocketChannel ch;
                            while ((ch = server.accept()) != null) {
                                ch.configureBlocking(false);
                                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                                ch.register(selector, SelectionKey.OP_READ, new State());
                            }
                            return;
                        }
                        SocketChannel ch = (SocketChannel) key.channel();
                        State state = (State) key.attachment();
                        in.clear();
                        int n = ch.read(in);
                        if (n < 0) {
                            ch.close();
                            return;
                        }
                        int requests = 0;
                        for (int i = 0; i < n; i++) {
                            byte b = in.get(i);
                            int m = state.matched;
                            boolean cr = m % 2 == 0;
                            if (b == (cr ? '\r' : '\n')) {
                                state.matched = m + 1;
                            } else {
                                state.matched = b == '\r' ? 1 : 0;
                            }
                            if (state.matched == 4) {
                                requests++;
                                state.matched = 0;
                            }
                        }
                        while (requests > 0) {
                            out.clear();
                            int batch = Math.min(requests, 64);
                            for (int r = 0; r < batch; r++) {
                                out.put(RESPONSE);
                            }
                            out.flip();
                            while (out.hasRemaining()) {
                                ch.write(out); // responses are tiny; a full socket buffer is not expected here
                            }
                            answered.addAndGet(batch);
                            requests -= batch;
                        }
                    } catch (IOException e) {
                        try {
                            key.channel().close();
                        } catch (IOException ignored) {
                            // closing a broken connection
                        }
                    }
                }, 100);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }

    public static void main(String[] args) throws Exception {
        try (TrivialHttpServer server = new TrivialHttpServer(Integer.parseInt(args[0]))) {
            System.out.println("listening on " + server.port());
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
