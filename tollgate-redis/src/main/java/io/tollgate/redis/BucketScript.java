package io.tollgate.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The {@code tollgate_batch.lua} script text and its SHA1, as Redis computes it for EVALSHA. The store runs only this
 * script, with one decision or many; the single-decision {@code tollgate.lua} (hash buckets) stays on the classpath for
 * the benchmark's raw ceiling, and the batch script reads its hashes (see the script header).
 */
final class BucketScript {

    static final String RESOURCE = "/io/tollgate/redis/tollgate_batch.lua";
    static final String TEXT = load();
    static final String SHA1 = sha1(TEXT);

    private BucketScript() {
    }

    private static String load() {
        try (InputStream in = BucketScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static String sha1(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JVM", e);
        }
    }
}
