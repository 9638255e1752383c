package io.tollgate.core.identity;

import io.tollgate.core.rules.KeySource;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Function;

/**
 * Builds client-key strings, the part of a bucket key that says who the client is. Every key is short, printable
 * ASCII and bounded in length, whatever the request sent:
 * <ul>
 *   <li>IPv4: {@code ip:203.0.113.7}, or with a prefix below 32 the masked network, {@code ip:203.0.113.0/24};</li>
 *   <li>IPv6: {@code ip6:2001:db8:1:2::/64}, the canonical network of the configured prefix (default /64, since one
 *       subscriber usually holds a whole /64 and could otherwise rotate addresses freely);</li>
 *   <li>header: {@code hk:} + the first 22 characters of base64url(SHA-256(lower-case name, NUL, value)), so raw
 *       values (secrets, huge or binary-ish strings) never reach logs, Redis keys or memory maps;</li>
 *   <li>the values of the other parts are hashed the same way, each kind under its own prefix so that equal values
 *       of different kinds never share a bucket: query parameter {@code qk:} (name as given, NUL, value), path
 *       variable {@code pk:} (name, NUL, value), principal {@code uk:} (NUL, name of the user);</li>
 *   <li>{@code global} for everyone;</li>
 *   <li>combinations joined with {@code |} in the order of the {@link KeySource}.</li>
 * </ul>
 * A part whose value the request lacks or sends blank (no such header, parameter or variable, an anonymous user)
 * falls back to the IP key, so such requests share their IP's bucket rather than one bucket for all of them.
 */
public final class ClientKeys {

    /** Length of the hashed part of a header key: 22 base64url characters = 132 bits. */
    public static final int HEADER_HASH_CHARS = 22;

    private final int ipv4Prefix;
    private final int ipv6Prefix;

    /**
     * @throws IllegalArgumentException when a prefix is outside 1..32 (IPv4) or 1..128 (IPv6)
     */
    public ClientKeys(int ipv4Prefix, int ipv6Prefix) {
        if (ipv4Prefix < 1 || ipv4Prefix > 32) {
            throw new IllegalArgumentException("IPv4 prefix must be between 1 and 32, got " + ipv4Prefix);
        }
        if (ipv6Prefix < 1 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("IPv6 prefix must be between 1 and 128, got " + ipv6Prefix);
        }
        this.ipv4Prefix = ipv4Prefix;
        this.ipv6Prefix = ipv6Prefix;
    }

    /** IPv4 /32, IPv6 /64. */
    public ClientKeys() {
        this(32, 64);
    }

    /** The IP key of {@code address}; {@code ip:unknown} when the server could not tell the address. */
    public String ipKey(InetAddress address) {
        if (address == null) {
            return "ip:unknown";
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            String text = AddressText.format(CidrRange.mask(bytes, ipv4Prefix));
            return ipv4Prefix == 32 ? "ip:" + text : "ip:" + text + "/" + ipv4Prefix;
        }
        return "ip6:" + AddressText.format(CidrRange.mask(bytes, ipv6Prefix)) + "/" + ipv6Prefix;
    }

    /** The hashed key for header {@code name} with {@code value}. */
    public static String headerKey(String name, String value) {
        return hashed("hk:", name.toLowerCase(Locale.ROOT), value);
    }

    /** The hashed key for query parameter {@code name} (case-sensitive, as in the query string) with {@code value}. */
    public static String queryKey(String name, String value) {
        return hashed("qk:", name, value);
    }

    /** The hashed key for path variable {@code name} with {@code value}. */
    public static String pathKey(String name, String value) {
        return hashed("pk:", name, value);
    }

    /** The hashed key for the authenticated user named {@code name}. */
    public static String principalKey(String name) {
        return hashed("uk:", "", name);
    }

    /** The hashed key of a part that reads a value from the request (not {@code ip} or {@code global}). */
    public static String valueKey(KeySource.Part part, String value) {
        return switch (part.kind()) {
            case HEADER -> headerKey(part.name(), value);
            case QUERY -> queryKey(part.name(), value);
            case PATH -> pathKey(part.name(), value);
            case PRINCIPAL -> principalKey(value);
            case IP, GLOBAL -> throw new IllegalArgumentException(part + " reads no value from the request");
        };
    }

    /** {@code prefix} + the first 22 characters of base64url(SHA-256(name, NUL, value)). */
    private static String hashed(String prefix, String name, String value) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            // encoding a String to UTF-8 never fails: unpaired surrogates become '?', control bytes pass through
            sha.update(value.getBytes(StandardCharsets.UTF_8));
            String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
            return prefix + b64.substring(0, HEADER_HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /**
     * The full client key for a request whose only request values are headers.
     *
     * @param source  the rule's key source
     * @param client  the resolved client address (see {@link ClientAddressResolver})
     * @param headers header lookup by name; returns {@code null} for a missing header
     */
    public String key(KeySource source, InetAddress client, Function<String, String> headers) {
        return keyOf(source, client, part -> part.kind() == KeySource.Kind.HEADER ? headers.apply(part.name()) : null);
    }

    /**
     * The full client key for a request.
     *
     * @param source the rule's key source
     * @param client the resolved client address (see {@link ClientAddressResolver})
     * @param values the raw value of a header, query, path or principal part; {@code null} when the request lacks it.
     *               Asked only for the parts the key has, so a value costs nothing unless a rule needs it
     */
    public String keyOf(KeySource source, InetAddress client, Function<KeySource.Part, String> values) {
        if (source.parts().size() == 1) {
            return part(source.parts().get(0), client, values);
        }
        StringBuilder sb = new StringBuilder();
        for (KeySource.Part p : source.parts()) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append(part(p, client, values));
        }
        return sb.toString();
    }

    private String part(KeySource.Part part, InetAddress client, Function<KeySource.Part, String> values) {
        return switch (part.kind()) {
            case GLOBAL -> "global";
            case IP -> ipKey(client);
            case HEADER, QUERY, PATH, PRINCIPAL -> {
                String value = values.apply(part);
                yield value == null || value.isBlank() ? ipKey(client) : valueKey(part, value);
            }
        };
    }

    public int ipv4Prefix() {
        return ipv4Prefix;
    }

    public int ipv6Prefix() {
        return ipv6Prefix;
    }
}
