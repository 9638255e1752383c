package io.tollgate.testsupport.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The tests' small HTTP/1.1 client for a real server on 127.0.0.1: one GET at a time, or a burst sent at once. Every
 * request has a 20 s timeout, so a lost answer fails the test instead of hanging it. Not for load: that is
 * {@code LoadClient}'s job.
 */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    public Http(int port) {
        this.port = port;
    }

    /** One GET, waited for; {@code headers} are name, value pairs. */
    public HttpResponse<String> get(String path, String... headers) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> r = CLIENT.send(request(path, headers), HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (ms > Long.getLong("tollgate.test.slowMs", 1000)) {
                System.out.println("SLOW request " + path + " took " + ms + " ms"); // diagnostics for loaded machines
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code n} GETs at once and returns the responses in sending order. */
    public List<HttpResponse<String>> burst(String path, int n) {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(CLIENT.sendAsync(request(path), HttpResponse.BodyHandlers.ofString()));
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    /** Sends {@code n} requests one after another and returns how many got 200 before the first non-200 (or n). */
    public int allowedInARow(int n, String path, String... headers) {
        for (int i = 0; i < n; i++) {
            if (get(path, headers).statusCode() != 200) {
                return i;
            }
        }
        return n;
    }

    /** The first value of a response header, or {@code null}. */
    public static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private HttpRequest request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return b.build();
    }
}
