package io.tollgate.scg;

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

/** HTTP/1.1 to the gateway on 127.0.0.1: one GET, or many sent at once. Every request gives up after 20 s. */
final class Client {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    Client(int port) {
        this.port = port;
    }

    /** {@code headers} are name, value pairs. */
    HttpResponse<String> get(String path, String... headers) {
        try {
            return HTTP.send(request(path, headers), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    CompletableFuture<HttpResponse<String>> send(String path, String... headers) {
        return HTTP.sendAsync(request(path, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code n} GETs sent at once; the responses in sending order. */
    List<HttpResponse<String>> burst(int n, String path, String... headers) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(send(path, headers));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static long count(List<HttpResponse<String>> responses, int status) {
        return responses.stream().filter(r -> r.statusCode() == status).count();
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
