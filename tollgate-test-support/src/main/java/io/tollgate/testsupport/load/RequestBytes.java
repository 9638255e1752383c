package io.tollgate.testsupport.load;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The bytes of the one request a connection sends again and again; built once per connection. */
final class RequestBytes {

    private RequestBytes() {
    }

    /** The {@code X-Forwarded-For} address of identity {@code i}: {@code 10.<(i>>16)&255>.<(i>>8)&255>.<i&255>}. */
    static String forwardedFor(int identity) {
        return "10." + ((identity >> 16) & 255) + "." + ((identity >> 8) & 255) + "." + (identity & 255);
    }

    /** A bodiless keep-alive {@code GET}; extra headers may replace the default {@code Host}. */
    static byte[] build(Target target, int identity, List<String> extraHeaders) {
        StringBuilder request = new StringBuilder(128);
        request.append("GET ").append(target.pathAndQuery()).append(" HTTP/1.1\r\n");
        if (extraHeaders.stream().noneMatch(h -> h.regionMatches(true, 0, "Host:", 0, 5))) {
            request.append("Host: ").append(target.hostHeader()).append("\r\n");
        }
        request.append("X-Forwarded-For: ").append(forwardedFor(identity)).append("\r\n");
        for (String header : extraHeaders) {
            request.append(header).append("\r\n");
        }
        request.append("\r\n");
        return request.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
