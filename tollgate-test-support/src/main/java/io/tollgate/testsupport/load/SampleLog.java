package io.tollgate.testsupport.load;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every sample of a run, in the order the outcomes were known, held in primitive arrays until the run ends and then
 * written as the samples file (format: {@link Sample}). Storage grows in fixed chunks so that a long run never copies
 * a large array; about 32 bytes a sample. Identity and target are not stored: they follow from the connection.
 */
final class SampleLog {

    private static final int CHUNK_BITS = 16;
    private static final int CHUNK = 1 << CHUNK_BITS;

    private final List<int[]> conns = new ArrayList<>();
    private final List<long[]> starts = new ArrayList<>();
    private final List<long[]> ends = new ArrayList<>();
    private final List<int[]> statuses = new ArrayList<>();
    private final List<int[]> degradeds = new ArrayList<>();
    private final List<int[]> retryAfters = new ArrayList<>();
    /** Failures are rare, so their reasons live in a map by sample index. */
    private final Map<Integer, String> errors = new HashMap<>();

    private int[] conn;
    private long[] start;
    private long[] end;
    private int[] status;
    private int[] degraded;
    private int[] retryAfter;
    private int size;

    /** Records a response. */
    void answered(int connId, long startNanos, long endNanos, int statusCode, int degradedValue, int retryAfterValue) {
        int i = size & (CHUNK - 1);
        if (i == 0) {
            newChunk();
        }
        conn[i] = connId;
        start[i] = startNanos;
        end[i] = endNanos;
        status[i] = statusCode;
        degraded[i] = degradedValue;
        retryAfter[i] = retryAfterValue;
        size++;
    }

    /** Records a failure: {@link Sample#LOST} or {@link Sample#CONNECTION_ERROR} with why. */
    void failed(int connId, long startNanos, long endNanos, int failure, String error) {
        errors.put(size, error.replace('\r', ' ').replace('\n', ' '));
        answered(connId, startNanos, endNanos, failure, InternedValues.ABSENT, InternedValues.ABSENT);
    }

    /** Samples so far. */
    int size() {
        return size;
    }

    /** Failures so far. */
    int failures() {
        return errors.size();
    }

    /** Writes the samples file: the {@link Sample#HEADER} line, then one line per sample. */
    void write(Path file, LoadOptions options, InternedValues values) throws IOException {
        byte[][] encoded = new byte[values.size()][];
        for (int v = 0; v < encoded.length; v++) {
            encoded[v] = Sample.encodeValue(values.value(v)).getBytes(StandardCharsets.ISO_8859_1);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (LineWriter out = new LineWriter(Files.newOutputStream(file))) {
            out.text(Sample.HEADER).newline();
            for (int n = 0; n < size; n++) {
                int chunk = n >>> CHUNK_BITS;
                int i = n & (CHUNK - 1);
                int c = conns.get(chunk)[i];
                out.number(c).space().number(options.identityOf(c)).space().number(options.targetOf(c)).space()
                        .number(starts.get(chunk)[i]).space().number(ends.get(chunk)[i]).space()
                        .number(statuses.get(chunk)[i]).space().bytes(encoded[degradeds.get(chunk)[i]]).space()
                        .bytes(encoded[retryAfters.get(chunk)[i]]);
                String error = errors.get(n);
                if (error != null) {
                    out.text(" # ").text(error);
                }
                out.newline();
            }
        }
    }

    private void newChunk() {
        conns.add(conn = new int[CHUNK]);
        starts.add(start = new long[CHUNK]);
        ends.add(end = new long[CHUNK]);
        statuses.add(status = new int[CHUNK]);
        degradeds.add(degraded = new int[CHUNK]);
        retryAfters.add(retryAfter = new int[CHUNK]);
    }

    /** Buffered ASCII output without a String per number. */
    private static final class LineWriter implements AutoCloseable {

        private final OutputStream out;
        private final byte[] buf = new byte[1 << 16];
        private final byte[] digits = new byte[20];
        private int pos;

        LineWriter(OutputStream out) {
            this.out = out;
        }

        LineWriter number(long n) throws IOException {
            room(21);
            if (n < 0) {
                buf[pos++] = '-';
                n = -n; // never Long.MIN_VALUE here: nanoTime values and small ints
            }
            int d = 0;
            do {
                digits[d++] = (byte) ('0' + n % 10);
                n /= 10;
            } while (n != 0);
            while (d > 0) {
                buf[pos++] = digits[--d];
            }
            return this;
        }

        LineWriter space() throws IOException {
            room(1);
            buf[pos++] = ' ';
            return this;
        }

        LineWriter newline() throws IOException {
            room(1);
            buf[pos++] = '\n';
            return this;
        }

        LineWriter bytes(byte[] b) throws IOException {
            if (b.length > buf.length) {
                flush();
                out.write(b);
                return this;
            }
            room(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        LineWriter text(String s) throws IOException {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        private void room(int n) throws IOException {
            if (pos + n > buf.length) {
                flush();
            }
        }

        private void flush() throws IOException {
            out.write(buf, 0, pos);
            pos = 0;
        }

        @Override
        public void close() throws IOException {
            try {
                flush();
            } finally {
                out.close();
            }
        }
    }
}
