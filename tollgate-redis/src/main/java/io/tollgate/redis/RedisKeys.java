package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Builds Redis keys {@code <prefix>:{<bucketKey>}:2<fp>}: layout tag {@code 2}, then the spec fingerprint's first 30
 * bits in 5 base64url characters. The braces make the bucket key the Cluster hash tag, so one decision always touches
 * one slot. The previous layout (a hash, {@code tollgate.lua}) lived at {@code <prefix>:{<bucketKey>}:<8 hex
 * fingerprint>}: a different suffix length, so the two layouts never share a key (see the script header, Previous).
 * Public for tools that look at the stored buckets (the benchmark's memory probe); the store is the only writer.
 */
public final class RedisKeys {

    /** Longest bucket key used verbatim; longer ones are hashed. */
    static final int MAX_VERBATIM = 128;
    /** Marks the fixed-width string layout of {@code tollgate_batch.lua}. */
    static final char LAYOUT_TAG = '2';

    private static final char[] BASE64URL =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private RedisKeys() {
    }

    /** The key the store keeps {@code bucketKey}'s bucket of {@code spec} under, with key prefix {@code prefix}. */
    public static String key(String prefix, String bucketKey, BucketSpec spec) {
        return prefix + ":{" + safe(bucketKey) + "}:" + suffix(spec);
    }

    /**
     * Six characters (tag and 30 bits of fingerprint), two fewer than the previous eight hex digits: with the default
     * prefix an IPv4 client's key stays within 44 characters, one allocation class (see the README, memory).
     */
    static String suffix(BucketSpec spec) {
        long fp = Long.parseLong(spec.fingerprint(), 16) >>> 2; // 32 bits -> 30
        char[] s = new char[6];
        s[0] = LAYOUT_TAG;
        for (int i = 5; i >= 1; i--) {
            s[i] = BASE64URL[(int) (fp & 63)];
            fp >>>= 6;
        }
        return new String(s);
    }

    /**
     * The bucket key itself when it is 1-128 characters of {@code [A-Za-z0-9._:-|]}; otherwise {@code h:} and 22
     * characters of base64url(SHA-256), so braces cannot break the hash tag and control bytes never reach Redis.
     */
    static String safe(String bucketKey) {
        int n = bucketKey.length();
        if (n == 0 || n > MAX_VERBATIM) {
            return hashed(bucketKey);
        }
        for (int i = 0; i < n; i++) {
            char c = bucketKey.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-' || c == '|';
            if (!ok) {
                return hashed(bucketKey);
            }
        }
        return bucketKey;
    }

    private static String hashed(String bucketKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bucketKey.getBytes(StandardCharsets.UTF_8));
            return "h:" + Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
