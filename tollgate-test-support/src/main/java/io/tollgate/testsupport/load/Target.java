package io.tollgate.testsupport.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * One {@code http://} URL the load is sent to. Only loopback hosts are accepted: the client and the server under test
 * are meant to share one machine (and one {@code System.nanoTime()} clock).
 *
 * @param hostHeader the {@code Host} header value, host and port as written in the URL
 * @param address the resolved socket address
 * @param pathAndQuery the request target, {@code /} when the URL has no path
 */
record Target(String hostHeader, InetSocketAddress address, String pathAndQuery) {

    /**
     * Parses {@code http://127.0.0.1:8080/path?query}.
     *
     * @throws IllegalArgumentException saying what is wrong with the URL
     */
    static Target parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + url + "'");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs are supported, got '" + url + "'");
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("expected http://HOST:PORT/PATH, got '" + url + "'");
        }
        InetAddress ip;
        try {
            // Host names other than literals would need DNS; "localhost" is the one name worth allowing.
            ip = InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in '" + url + "'");
        }
        if (!ip.isLoopbackAddress()) {
            throw new IllegalArgumentException("host must be a loopback address like 127.0.0.1, got '" + url + "'");
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + url + "'");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String hostHeader = uri.getPort() == -1 ? host : host + ":" + port;
        return new Target(hostHeader, new InetSocketAddress(ip, port), path + query);
    }
}
