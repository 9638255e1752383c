package io.tollgate.testsupport.load;

import java.io.IOException;
import java.util.Arrays;

/**
 * Incremental HTTP/1.1 response parser, one per connection and reset for each request. Bytes arrive in whatever
 * pieces the socket hands over; {@link #feed} consumes them and says when one response is complete, leaving any bytes
 * after it unconsumed. Understands the status line, headers (names case-insensitive), {@code Content-Length},
 * {@code Transfer-Encoding: chunked} with trailers, close-delimited bodies, interim 1xx responses, bodiless 204/304,
 * and {@code Connection: close} / HTTP/1.0 without keep-alive. Keeps {@code X-RateLimit-Degraded} and
 * {@code Retry-After} (also from trailers) as {@link InternedValues} indexes. Allocates nothing per response except
 * header values never seen before.
 */
final class ResponseParser {

    /** The bytes are not a valid HTTP/1.x response. */
    static final class MalformedResponseException extends IOException {

        private static final long serialVersionUID = 1L;

        MalformedResponseException(String message) {
            super(message);
        }
    }

    /** Longest status, header, chunk-size or trailer line accepted. */
    static final int MAX_LINE = 16 * 1024;

    private static final int STATUS_LINE = 0;
    private static final int HEADER_LINE = 1;
    private static final int BODY_BY_LENGTH = 2;
    private static final int CHUNK_SIZE_LINE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_END_LINE = 5;
    private static final int TRAILER_LINE = 6;
    private static final int BODY_UNTIL_CLOSE = 7;
    private static final int COMPLETE = 8;

    private final InternedValues values;
    private byte[] line = new byte[256]; // grows to MAX_LINE; most lines are short and connections many
    private int lineLength;

    private int state;
    private int status;
    private boolean http10;
    private boolean keepAlive;
    private boolean closeAfter;
    private boolean transferEncoding;
    private boolean chunked;
    private long contentLength;
    private long remaining;
    private int degraded;
    private int retryAfter;
    private long bytesSeen;

    ResponseParser(InternedValues values) {
        this.values = values;
        reset();
    }

    /** Forgets everything about the previous response; call before sending a request. */
    void reset() {
        bytesSeen = 0;
        startMessage();
    }

    /**
     * Consumes bytes {@code buf[off, off+len)} up to the end of the response.
     *
     * @return how many bytes belonged to the response; fewer than {@code len} only when it is now {@link #complete()}
     * @throws MalformedResponseException when the bytes cannot be an HTTP/1.x response
     */
    int feed(byte[] buf, int off, int len) throws MalformedResponseException {
        int pos = off;
        int end = off + len;
        while (pos < end && state != COMPLETE) {
            switch (state) {
                case BODY_BY_LENGTH, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - pos);
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = state == BODY_BY_LENGTH ? COMPLETE : CHUNK_END_LINE;
                    }
                }
                case BODY_UNTIL_CLOSE -> pos = end;
                default -> pos = readLine(buf, pos, end);
            }
        }
        bytesSeen += pos - off;
        return pos - off;
    }

    /**
     * The peer closed the connection. That ends a close-delimited body (then the response is complete); any other
     * unfinished response is cut short.
     *
     * @return whether the response is complete now
     */
    boolean endOfInput() {
        if (state == BODY_UNTIL_CLOSE) {
            state = COMPLETE;
        }
        return state == COMPLETE;
    }

    boolean complete() {
        return state == COMPLETE;
    }

    /** The status code; valid once the status line was read. */
    int status() {
        return status;
    }

    /** Whether the server will close the connection after this response. */
    boolean closeAfter() {
        return closeAfter;
    }

    /** The {@code X-RateLimit-Degraded} value index, {@link InternedValues#ABSENT} when the header was absent. */
    int degraded() {
        return degraded;
    }

    /** The {@code Retry-After} value index, {@link InternedValues#ABSENT} when the header was absent. */
    int retryAfter() {
        return retryAfter;
    }

    /** Bytes consumed since {@link #reset()}. */
    long bytesSeen() {
        return bytesSeen;
    }

    /** Where an unfinished response stopped, for failure reasons. */
    String progress() {
        String where = switch (state) {
            case STATUS_LINE -> bytesSeen == 0 ? "before any response byte" : "in the status line";
            case HEADER_LINE -> "in the headers";
            case BODY_BY_LENGTH -> "in the body, " + remaining + " of " + contentLength + " bytes missing";
            case CHUNK_SIZE_LINE, CHUNK_DATA, CHUNK_END_LINE -> "in the chunked body";
            case TRAILER_LINE -> "in the trailers";
            case BODY_UNTIL_CLOSE -> "in the close-delimited body";
            default -> "after the response";
        };
        return where + (bytesSeen == 0 ? "" : " (" + bytesSeen + " response bytes received)");
    }

    private void startMessage() {
        state = STATUS_LINE;
        lineLength = 0;
        status = 0;
        http10 = false;
        keepAlive = false;
        closeAfter = false;
        transferEncoding = false;
        chunked = false;
        contentLength = -1;
        remaining = 0;
        degraded = InternedValues.ABSENT;
        retryAfter = InternedValues.ABSENT;
    }

    private int readLine(byte[] buf, int pos, int end) throws MalformedResponseException {
        int lf = pos;
        while (lf < end && buf[lf] != '\n') {
            lf++;
        }
        int n = lf - pos;
        if (lineLength + n > MAX_LINE) {
            throw new MalformedResponseException("line longer than " + MAX_LINE + " bytes");
        }
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.min(MAX_LINE, Math.max(line.length * 2, lineLength + n)));
        }
        System.arraycopy(buf, pos, line, lineLength, n);
        lineLength += n;
        if (lf == end) {
            return end;
        }
        // The servers under test always end lines with CRLF; a bare LF is a framing fault to report, not to forgive.
        if (lineLength == 0 || line[lineLength - 1] != '\r') {
            throw new MalformedResponseException("line ended by a bare LF instead of CRLF");
        }
        int length = lineLength - 1;
        lineLength = 0;
        onLine(length);
        return lf + 1;
    }

    private void onLine(int length) throws MalformedResponseException {
        switch (state) {
            case STATUS_LINE -> statusLine(length);
            case HEADER_LINE -> {
                if (length == 0) {
                    endOfHeaders();
                } else {
                    header(length, false);
                }
            }
            case CHUNK_SIZE_LINE -> chunkSize(length);
            case CHUNK_END_LINE -> {
                if (length != 0) {
                    throw new MalformedResponseException("chunk data longer than its size line said");
                }
                state = CHUNK_SIZE_LINE;
            }
            case TRAILER_LINE -> {
                if (length == 0) {
                    state = COMPLETE;
                } else {
                    header(length, true);
                }
            }
            default -> throw new IllegalStateException("no line expected in state " + state);
        }
    }

    private void statusLine(int length) throws MalformedResponseException {
        // HTTP/1.x SSS[ reason]
        if (length < 12 || !startsWith("HTTP/1.") || !isDigit(line[7]) || line[8] != ' '
                || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11])
                || (length > 12 && line[12] != ' ')) {
            throw new MalformedResponseException("bad status line '" + text(0, Math.min(length, 80)) + "'");
        }
        http10 = line[7] == '0';
        status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        state = HEADER_LINE;
    }

    private void header(int length, boolean trailer) throws MalformedResponseException {
        if (line[0] == ' ' || line[0] == '\t') {
            return; // obsolete line folding: a continuation of a header we do not need
        }
        int colon = 0;
        while (colon < length && line[colon] != ':') {
            colon++;
        }
        if (colon == 0 || colon == length) {
            throw new MalformedResponseException("bad header line '" + text(0, Math.min(length, 80)) + "'");
        }
        int from = colon + 1;
        int to = length;
        while (from < to && (line[from] == ' ' || line[from] == '\t')) {
            from++;
        }
        while (to > from && (line[to - 1] == ' ' || line[to - 1] == '\t')) {
            to--;
        }
        if (nameIs("x-ratelimit-degraded", colon)) {
            degraded = values.intern(line, from, to);
        } else if (nameIs("retry-after", colon)) {
            retryAfter = values.intern(line, from, to);
        } else if (trailer) {
            return; // framing headers mean nothing in trailers
        } else if (nameIs("content-length", colon)) {
            long parsed = parseContentLength(from, to);
            if (contentLength >= 0 && contentLength != parsed) {
                throw new MalformedResponseException("conflicting Content-Length headers");
            }
            contentLength = parsed;
        } else if (nameIs("transfer-encoding", colon)) {
            transferEncoding = true;
            chunked = lastTokenIs("chunked", from, to);
        } else if (nameIs("connection", colon)) {
            connectionTokens(from, to);
        }
    }

    private void endOfHeaders() throws MalformedResponseException {
        if (status >= 100 && status < 200) {
            if (status == 101) {
                throw new MalformedResponseException("101 Switching Protocols to a request that asked for no upgrade");
            }
            startMessage(); // an interim response; the real one follows
            return;
        }
        if (http10 && !keepAlive) {
            closeAfter = true;
        }
        if (status == 204 || status == 304) {
            state = COMPLETE;
        } else if (transferEncoding) {
            if (chunked) {
                state = CHUNK_SIZE_LINE;
            } else {
                state = BODY_UNTIL_CLOSE;
                closeAfter = true;
            }
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = contentLength == 0 ? COMPLETE : BODY_BY_LENGTH;
        } else {
            state = BODY_UNTIL_CLOSE;
            closeAfter = true;
        }
    }

    private void chunkSize(int length) throws MalformedResponseException {
        long size = 0;
        int i = 0;
        while (i < length && hexValue(line[i]) >= 0) {
            if (i >= 15) {
                throw new MalformedResponseException("chunk size too large");
            }
            size = size * 16 + hexValue(line[i]);
            i++;
        }
        while (i < length && (line[i] == ' ' || line[i] == '\t')) {
            i++;
        }
        if (i == 0 || (i < length && line[i] != ';')) {
            throw new MalformedResponseException("bad chunk size line '" + text(0, Math.min(length, 80)) + "'");
        }
        if (size == 0) {
            state = TRAILER_LINE;
        } else {
            remaining = size;
            state = CHUNK_DATA;
        }
    }

    private long parseContentLength(int from, int to) throws MalformedResponseException {
        if (from == to || to - from > 18) {
            throw new MalformedResponseException("bad Content-Length '" + text(from, to) + "'");
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(line[i])) {
                throw new MalformedResponseException("bad Content-Length '" + text(from, to) + "'");
            }
            n = n * 10 + (line[i] - '0');
        }
        return n;
    }

    private void connectionTokens(int from, int to) {
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || line[i] == ',') {
                int a = start;
                int b = i;
                while (a < b && (line[a] == ' ' || line[a] == '\t')) {
                    a++;
                }
                while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t')) {
                    b--;
                }
                if (equalsIgnoreCase("close", a, b)) {
                    closeAfter = true;
                } else if (equalsIgnoreCase("keep-alive", a, b)) {
                    keepAlive = true;
                }
                start = i + 1;
            }
        }
    }

    private boolean lastTokenIs(String token, int from, int to) {
        int comma = to;
        while (comma > from && line[comma - 1] != ',') {
            comma--;
        }
        int a = comma;
        while (a < to && (line[a] == ' ' || line[a] == '\t')) {
            a++;
        }
        return equalsIgnoreCase(token, a, to);
    }

    private boolean nameIs(String lowerCaseName, int nameLength) {
        return equalsIgnoreCase(lowerCaseName, 0, nameLength);
    }

    /** Compares {@code line[from, to)} with an all-lower-case ASCII string. */
    private boolean equalsIgnoreCase(String lowerCase, int from, int to) {
        if (to - from != lowerCase.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            int b = line[i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCase.charAt(i - from)) {
                return false;
            }
        }
        return true;
    }

    private boolean startsWith(String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (line[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String text(int from, int to) {
        StringBuilder s = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int b = line[i] & 0xff;
            s.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
        }
        return s.toString();
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
