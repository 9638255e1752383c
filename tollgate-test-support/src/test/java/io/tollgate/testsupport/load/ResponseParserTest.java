package io.tollgate.testsupport.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.testsupport.load.ResponseParser.MalformedResponseException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseParserTest {

    private final InternedValues values = new InternedValues();
    private final ResponseParser parser = new ResponseParser(values);

    private static final String LENGTH = "HTTP/1.1 429 Too Many Requests\r\ncontent-LENGTH: 5\r\nRetry-After: 3\r\n"
            + "X-RateLimit-Degraded: redis-down\r\n\r\nslow!";
    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\nA \r\n0123456789\r\n0\r\nretry-after: 9\r\nX-Other: x\r\n\r\n";

    @Test
    void contentLengthResponseInEveryTwoPieceSplit() throws Exception {
        byte[] bytes = bytes(LENGTH);
        for (int split = 0; split <= bytes.length; split++) {
            parser.reset();
            assertThat(parser.feed(bytes, 0, split)).isEqualTo(split);
            assertThat(parser.complete()).isEqualTo(split == bytes.length);
            assertThat(parser.feed(bytes, split, bytes.length - split)).isEqualTo(bytes.length - split);
            assertThat(parser.complete()).isTrue();
            assertThat(parser.status()).isEqualTo(429);
            assertThat(values.value(parser.retryAfter())).isEqualTo("3");
            assertThat(values.value(parser.degraded())).isEqualTo("redis-down");
            assertThat(parser.closeAfter()).isFalse();
        }
        assertThat(values.size()).as("each distinct value interned once").isEqualTo(3);
    }

    @Test
    void chunkedResponseWithExtensionsAndTrailersByteByByte() throws Exception {
        byte[] bytes = bytes(CHUNKED);
        for (int i = 0; i < bytes.length; i++) {
            assertThat(parser.complete()).isFalse();
            assertThat(parser.feed(bytes, i, 1)).isEqualTo(1);
        }
        assertThat(parser.complete()).isTrue();
        assertThat(parser.status()).isEqualTo(200);
        assertThat(values.value(parser.retryAfter())).as("from the trailer").isEqualTo("9");
        assertThat(parser.degraded()).isEqualTo(InternedValues.ABSENT);
        assertThat(parser.bytesSeen()).isEqualTo(bytes.length);
    }

    @Test
    void stopsAtTheEndOfAResponseSoTheRestCanBeTold() throws Exception {
        byte[] two = bytes(LENGTH + CHUNKED);
        int first = parser.feed(two, 0, two.length);
        assertThat(first).isEqualTo(LENGTH.length());
        assertThat(parser.status()).isEqualTo(429);
        parser.reset();
        assertThat(parser.feed(two, first, two.length - first)).isEqualTo(CHUNKED.length());
        assertThat(parser.complete()).isTrue();
        assertThat(parser.status()).isEqualTo(200);
        assertThat(parser.degraded()).as("nothing left over from the first response").isEqualTo(InternedValues.ABSENT);
    }

    @Test
    void interimResponsesAreSkippedAndBodilessStatusesEndAtTheHeaders() throws Exception {
        feedAll("HTTP/1.1 100 Continue\r\nRetry-After: 1\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n");
        assertThat(parser.complete()).isTrue();
        assertThat(parser.status()).isEqualTo(204);
        assertThat(parser.retryAfter()).as("the interim response's headers are not the response's")
                .isEqualTo(InternedValues.ABSENT);
        parser.reset();
        feedAll("HTTP/1.1 304 Not Modified\r\n\r\n");
        assertThat(parser.complete()).isTrue();
        assertThat(parser.status()).isEqualTo(304);
    }

    @Test
    void connectionCloseAndHttp10() throws Exception {
        feedAll("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n");
        assertThat(parser.complete()).isTrue();
        assertThat(parser.closeAfter()).isTrue();
        parser.reset();
        feedAll("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertThat(parser.closeAfter()).as("HTTP/1.0 closes unless it says keep-alive").isTrue();
        parser.reset();
        feedAll("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        assertThat(parser.closeAfter()).isFalse();
    }

    @Test
    void bodyWithoutLengthEndsWithTheConnection() throws Exception {
        feedAll("HTTP/1.1 200 OK\r\n\r\nall of this until the close");
        assertThat(parser.complete()).isFalse();
        assertThat(parser.endOfInput()).isTrue();
        assertThat(parser.complete()).isTrue();
        assertThat(parser.closeAfter()).isTrue();
    }

    @Test
    void aCutShortResponseIsNotCompleteAndSaysWhere() throws Exception {
        feedAll("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        assertThat(parser.endOfInput()).isFalse();
        assertThat(parser.progress()).isEqualTo("in the body, 90 of 100 bytes missing (50 response bytes received)");
        parser.reset();
        assertThat(parser.progress()).isEqualTo("before any response byte");
    }

    @Test
    void malformedResponsesAreRejected() {
        for (String bad : new String[] {"HTTP/2 200 OK\r\n", "HTTP/1.1 20 OK\r\n", "hello\r\n",
                "HTTP/1.1 200 OK\r\nno colon\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
                "HTTP/1.1 101 Switching Protocols\r\n\r\n", "HTTP/1.1 304 Not Modified\n\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n"}) {
            parser.reset();
            assertThatThrownBy(() -> feedAll(bad)).as(bad).isInstanceOf(MalformedResponseException.class);
        }
    }

    @Test
    void overlongLinesAreRejected() {
        String huge = "HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(ResponseParser.MAX_LINE) + "\r\n";
        assertThatThrownBy(() -> feedAll(huge)).isInstanceOf(MalformedResponseException.class)
                .hasMessageContaining("longer than");
    }

    private void feedAll(String response) throws MalformedResponseException {
        byte[] bytes = bytes(response);
        parser.feed(bytes, 0, bytes.length);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
