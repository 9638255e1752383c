package io.tollgate.redis;

import io.tollgate.redis.RedisConnectionSettings.Mode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place Redis URL syntax is understood: turns a URL (forms in {@link RedisConnectionSettings}) into a
 * {@link RedisConnectionSettings}, and redacts URLs in text.
 *
 * <p>Why not {@link io.lettuce.core.RedisURI#create}: it has no cluster form and none of our options, and it accepts
 * what must be rejected (it takes {@code redis://h:abc} as host {@code h:abc}, {@code redis://h1,h2} as one host, and
 * ignores {@code timeout=soon}), fails on bracketed IPv6 sentinels, and quotes the whole URL, password included, in some
 * errors. Lettuce still gets a {@code RedisURI} in the end, built field by field by
 * {@link RedisConnectionSettings#toRedisUris()}.
 *
 * <p>Every error is a {@link RedisSettingsException} whose message is {@code invalid Redis URL <redacted url>: <reason>}
 * and whose {@link RedisSettingsException#field()} names the part that is wrong.
 */
final class RedisUrl {

    private static final String SCHEMES = "redis, rediss, redis-sentinel, rediss-sentinel, redis-cluster or"
            + " rediss-cluster";
    // Greedy up to the last '@' before whitespace: over-redacting is harmless, leaking a password part is not.
    private static final Pattern REDACT = Pattern.compile("(://)([^:@\\s]*)(:[^\\s]*)?@");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)?");

    private final String shown;

    private RedisUrl(String url) {
        // Without a scheme the redaction pattern has no "://" to anchor on, yet "user:secret@host" is still a secret.
        this.shown = url.contains("://") ? redact(url) : redact("://" + url).substring(3);
    }

    /** @throws RedisSettingsException naming the redacted URL and the part of it that is wrong */
    static RedisConnectionSettings parse(String url) {
        if (url == null || url.isBlank()) {
            throw new RedisSettingsException("url", "Redis URL must not be empty", "Redis URL must not be empty");
        }
        return new RedisUrl(url).read(url);
    }

    /** See {@link RedisConnectionSettings#redact}. */
    static String redact(String text) {
        Matcher m = REDACT.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String repl = m.group(3) == null ? "***@" : m.group(2) + ":***@";
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + repl));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private RedisConnectionSettings read(String url) {
        RedisConnectionSettings.Builder b = RedisConnectionSettings.builder();
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw bad("scheme", "expected a scheme such as redis://");
        }
        String scheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        Mode mode;
        boolean tls = scheme.startsWith("rediss");
        switch (scheme) {
            case "redis", "rediss" -> mode = Mode.STANDALONE;
            case "redis-sentinel", "rediss-sentinel" -> mode = Mode.SENTINEL;
            case "redis-cluster", "rediss-cluster" -> mode = Mode.CLUSTER;
            default -> throw bad("scheme", "unknown scheme \"" + scheme + "\"; use " + SCHEMES);
        }
        b.mode(mode).tls(tls);
        int defaultPort = mode == Mode.SENTINEL ? 26379 : 6379;
        String rest = url.substring(schemeEnd + 3);
        String fragment = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            fragment = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                b.username(decode(userInfo.substring(0, colon), "user info"));
                b.password(decode(userInfo.substring(colon + 1), "user info"));
            } else {
                b.password(decode(userInfo, "user info")); // redis://secret@host: a lone user-info is the password
            }
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String db = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
            if (!db.isEmpty()) {
                if (!db.matches("\\d{1,5}")) {
                    throw bad("database", "database must be a number, got \"" + db + "\"");
                }
                if (mode == Mode.CLUSTER && Integer.parseInt(db) != 0) {
                    throw bad("database", "Redis Cluster has only database 0, got /" + db);
                }
                b.database(Integer.parseInt(db));
            }
        }
        hosts(rest, defaultPort, mode, b);
        if (mode == Mode.SENTINEL) {
            if (fragment == null || fragment.isBlank()) {
                throw bad("master id", "a Sentinel URL needs the master id after '#', e.g."
                        + " redis-sentinel://host:26379#mymaster");
            }
            b.sentinelMasterId(decode(fragment, "master id"));
        } else if (fragment != null) {
            throw bad("master id", "only Sentinel URLs take a '#masterId'");
        }
        if (query != null && !query.isEmpty()) {
            options(query, b);
        }
        try {
            return b.build();
        } catch (RedisSettingsException e) {
            // a query option the builder rejects as a whole (a bad prefix, overloadTimeout below timeout)
            String part = e.field().equals("keyPrefix") ? "prefix" : e.field();
            throw bad(part, e.reason().replaceFirst("^keyPrefix ", "prefix "));
        }
    }

    private void hosts(String text, int defaultPort, Mode mode, RedisConnectionSettings.Builder b) {
        if (text.isEmpty()) {
            throw bad("host", "no host given");
        }
        String[] parts = text.split(",", -1);
        if (mode == Mode.STANDALONE && parts.length != 1) {
            throw bad("host", "a standalone URL names exactly one host; use redis-cluster:// or redis-sentinel://"
                    + " for several");
        }
        for (String part : parts) {
            String host;
            String port = null;
            if (part.startsWith("[")) {
                int close = part.indexOf(']');
                if (close < 0) {
                    throw bad("host", "unclosed '[' in host \"" + part + "\"");
                }
                host = part.substring(1, close);
                String after = part.substring(close + 1);
                if (after.startsWith(":")) {
                    port = after.substring(1);
                } else if (!after.isEmpty()) {
                    throw bad("host", "unexpected \"" + after + "\" after host \"" + part + "\"");
                }
            } else {
                int colon = part.indexOf(':');
                host = colon < 0 ? part : part.substring(0, colon);
                port = colon < 0 ? null : part.substring(colon + 1);
            }
            if (host.isEmpty() || !host.matches("[A-Za-z0-9._\\-:%]+")) {
                throw bad("host", "bad host \"" + part + "\"");
            }
            int p = defaultPort;
            if (port != null) {
                if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                    throw bad("port", "port \"" + port + "\" of host " + host + " must be 1-65535");
                }
                p = Integer.parseInt(port);
            }
            b.host(host, p);
        }
    }

    private void options(String query, RedisConnectionSettings.Builder b) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1), "option " + k);
            switch (k) {
                case "timeout" -> b.timeout(duration(k, v));
                case "connectTimeout" -> b.connectTimeout(duration(k, v));
                case "overloadTimeout" -> b.overloadTimeout(duration(k, v));
                case "prefix" -> b.keyPrefix(v);
                case "verifyPeer" -> b.verifyPeer(bool(k, v));
                case "trustedCertificate" -> b.trustedCertificate(v.isEmpty() ? null : Path.of(v));
                case "batch" -> b.batching(bool(k, v));
                case "batchSize" -> b.batchSize(integer(k, v));
                default -> throw bad("query", "unknown option \"" + k + "\"; known: timeout, connectTimeout,"
                        + " overloadTimeout, prefix, verifyPeer, trustedCertificate, batch, batchSize");
            }
        }
    }

    private Duration duration(String option, String v) {
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw bad(option, option + ": bad duration \"" + v + "\"; use e.g. 250ms, 2s or 100");
        }
        long n = Long.parseLong(m.group(1));
        return "s".equals(m.group(2)) ? Duration.ofSeconds(n) : Duration.ofMillis(n);
    }

    private int integer(String option, String v) {
        if (!v.matches("[0-9]{1,9}")) {
            throw bad(option, option + " must be a whole number, got \"" + v + "\"");
        }
        return Integer.parseInt(v);
    }

    private boolean bool(String option, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(option, option + " must be true or false, got \"" + v + "\"");
        };
    }

    /** Percent-decoding as in URIs ({@code +} stays a plus). */
    private String decode(String s, String part) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw bad(part, "incomplete percent escape in the " + part);
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw bad(part, "bad percent escape in the " + part);
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                int end = i + Character.charCount(s.codePointAt(i));
                byte[] bytes = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private RedisSettingsException bad(String part, String reason) {
        return new RedisSettingsException(part, reason, "invalid Redis URL " + shown + ": " + reason);
    }
}
