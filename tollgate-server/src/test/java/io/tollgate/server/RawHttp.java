package io.tollgate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for request targets that {@link java.net.URI} and the JDK client would normalise or
 * refuse. One request per connection ({@code Connection: close}); every connect and read is bounded.
 */
final class RawHttp {

    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 10_000;
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    /**
     * What came back. {@code status} is -1 when the server closed the connection without a status line.
     * Header names are lower case; a chunked body is de-chunked.
     */
    record Response(int status, String statusLine, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return statusLine + " " + headers;
        }
    }

    private RawHttp() {
    }

    /** {@code GET <target> HTTP/1.1}, the target sent as UTF-8 bytes exactly as given. */
    static Response get(int port, String target) {
        return send(port, ("GET " + target + " HTTP/1.1").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code requestLine} (no CRLF) followed by {@code Host}, {@code Connection: close} and an empty line. */
    static Response send(int port, byte[] requestLine) {
        byte[] rest = "\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.getOutputStream().write(concat(requestLine, rest));
            socket.getOutputStream().flush();
            return parse(readAll(socket.getInputStream()));
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no complete response within " + READ_TIMEOUT_MS + " ms", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0 && out.size() < MAX_RESPONSE_BYTES) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static Response parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + 4);
        String[] lines = head.split("\r\n");
        String statusLine = lines[0];
        String[] parts = statusLine.split(" ", 3);
        int status = parts.length >= 2 && parts[0].startsWith("HTTP/") && parts[1].matches("\\d{3}")
                ? Integer.parseInt(parts[1]) : -1;
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, statusLine, headers, body);
    }

    /** Joins the chunks of a chunked body; stops at the last chunk or at anything malformed. */
    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = chunked.indexOf("\r\n", at);
            if (eol < 0) {
                return out.toString();
            }
            int size;
            try {
                size = Integer.parseInt(chunked.substring(at, eol).split(";", 2)[0].trim(), 16);
            } catch (NumberFormatException e) {
                return out.toString();
            }
            int start = eol + 2;
            if (size == 0 || start + size > chunked.length()) {
                return out.toString();
            }
            out.append(chunked, start, start + size);
            at = start + size + 2;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
