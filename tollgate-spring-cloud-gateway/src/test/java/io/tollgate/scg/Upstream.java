package io.tollgate.scg;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The service behind the gateway: answers 200 "ok" on every path of 127.0.0.1:port and counts hits per first segment. */
final class Upstream implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    private Upstream(HttpServer server) {
        this.server = server;
    }

    static Upstream start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
            Upstream u = new Upstream(s);
            s.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                String first = path.split("/").length > 1 ? path.split("/")[1] : "";
                u.hits.computeIfAbsent(first, k -> new AtomicInteger()).incrementAndGet();
                byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            s.setExecutor(u.executor);
            s.start();
            return u;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Requests that reached this upstream under {@code /<first>/...}. */
    int hits(String first) {
        AtomicInteger n = hits.get(first);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
