package io.tollgate.redis;

import io.tollgate.core.bucket.BucketSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Builds Redis keys {@code <prefix>:{<bucketKey>}:<fingerprint>}. The braces make the bucket key the Cluster hash tag,
 * so one decision always touches one slot.
 */
final class RedisKeys {

    /** Longest bucket key used verbatim; longer ones are hashed. */
    static final int MAX_VERBATIM = 128;

    private RedisKeys() {
    }

    static String key(String prefix, String bucketKey, BucketSpec spec) {
        return prefix + ":{" + safe(bucketKey) + "}:" + spec.fingerprint();
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
