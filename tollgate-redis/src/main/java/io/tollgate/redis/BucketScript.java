package io.tollgate.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The {@code tollgate_batch.lua} script in its two forms, each with its SHA1 as Redis computes it for EVALSHA. The
 * store runs only this script, with one decision or many; the single-decision {@code tollgate.lua} (hash buckets)
 * stays on the classpath for the benchmark's raw ceiling (its hash keys never collide with the batch script's: see the
 * script header, Previous).
 */
final class BucketScript {

    static final String RESOURCE = "/io/tollgate/redis/tollgate_batch.lua";

    /** Keys declared in KEYS, so all of one slot on Cluster: standalone, Sentinel, and Cluster before Redis 7. */
    static final BucketScript PER_SLOT = new BucketScript(load(), false);

    /**
     * Redis 7+ Cluster: keys in ARGV behind {@code #!lua flags=allow-cross-slot-keys}, so one call may carry keys of
     * any slots of the node it is sent to (declared KEYS of several slots are refused with CROSSSLOT even with the
     * flag; Redis 6.2 rejects the shebang).
     */
    static final BucketScript CROSS_SLOT = new BucketScript("#!lua flags=allow-cross-slot-keys\n"
            + "local KEYS, ARGV = (function(a)\n"
            + "  local d, k, r = tonumber(a[1]), {}, {}\n"
            + "  for i = 1, d do k[i] = a[i + 1] end\n"
            + "  for i = d + 2, #a do r[#r + 1] = a[i] end\n"
            + "  return k, r\n"
            + "end)(ARGV)\n" + readingKeyByKey(PER_SLOT.text), true);

    /** The per-slot text (tests drive the script directly). */
    static final String TEXT = PER_SLOT.text;
    static final String SHA1 = PER_SLOT.sha1;

    final String text;
    final String sha1;
    /** Whether {@link DecisionBatch} must pass the keys in ARGV. */
    final boolean keysInArgv;

    private BucketScript(String text, boolean keysInArgv) {
        this.text = text;
        this.sha1 = sha1(text);
        this.keysInArgv = keysInArgv;
    }

    /** The text with {@code ONE_SLOT} off: one MGET must not span slots, so the Cluster variant reads key by key. */
    private static String readingKeyByKey(String text) {
        String on = "local ONE_SLOT = true";
        int at = text.indexOf(on);
        if (at < 0 || text.indexOf(on, at + 1) >= 0) {
            throw new IllegalStateException(RESOURCE + " must set ONE_SLOT exactly once");
        }
        return text.replace(on, "local ONE_SLOT = false");
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
