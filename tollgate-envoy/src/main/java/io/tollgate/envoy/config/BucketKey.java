package io.tollgate.envoy.config;

import java.util.List;

/**
 * The bucket key of a matched descriptor: {@code envoy|<domain>|<key1>|<value1>|<key2>|<value2>...}.
 *
 * <p>As in envoyproxy/ratelimit's cache key, the values are the request's own, so each distinct value under a key-only
 * or wildcard descriptor gets its own bucket, and the same values always name the same bucket (a reload that keeps
 * the limits keeps the buckets). The one exception is a wildcard descriptor with {@code share_threshold}: its pattern
 * (such as {@code files/*}) stands in for the value, so all matching values share one bucket.
 *
 * <p>Every part is escaped: letters, digits, {@code .}, {@code _} and {@code -} stay, any other UTF-16 unit becomes
 * {@code :} and four hex digits. So the parts cannot run into each other (Go's {@code _}-joined key cannot tell
 * {@code a_b}/{@code c} from {@code a}/{@code b_c}), and the key uses only characters that Tollgate's Redis store
 * keeps verbatim; that store hashes keys longer than it keeps verbatim, so length is its concern.
 */
final class BucketKey {

    private BucketKey() {
    }

    /**
     * @param domain  the request's domain
     * @param entries the request descriptor's entries
     * @param shared  per entry index, the wildcard pattern that replaces the value, or {@code null}; may be
     *                {@code null} as a whole
     */
    static String of(String domain, List<DescriptorEntry> entries, String[] shared) {
        StringBuilder sb = new StringBuilder(16 + 16 * entries.size()).append("envoy|");
        escape(domain, sb);
        for (int i = 0; i < entries.size(); i++) {
            DescriptorEntry e = entries.get(i);
            sb.append('|');
            escape(e.key(), sb);
            sb.append('|');
            escape(shared != null && shared[i] != null ? shared[i] : e.value(), sb);
        }
        return sb.toString();
    }

    private static void escape(String s, StringBuilder sb) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (plain) {
                sb.append(c);
            } else {
                sb.append(':').append(Character.forDigit((c >> 12) & 0xF, 16)).append(Character.forDigit((c >> 8) & 0xF, 16))
                        .append(Character.forDigit((c >> 4) & 0xF, 16)).append(Character.forDigit(c & 0xF, 16));
            }
        }
    }
}
