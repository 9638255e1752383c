package io.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.spring.app.TestApplication;
import io.tollgate.testsupport.http.Http;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The loopback peer is a trusted proxy, so the client is the right-most untrusted address it forwards. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive",
        "tollgate.trusted-proxies=127.0.0.1/32,10.0.0.0/8",
        "tollgate.rules.default.capacity=20",
        "tollgate.rules.default.refill-rate=5",
})
class TrustedProxyTest {

    @LocalServerPort
    int port;

    @Test
    void eachForwardedClientGetsItsOwnBucket() {
        Http http = new Http(port);
        assertThat(http.allowedInARow(25, "/a", "X-Forwarded-For", "198.51.100.7")).isEqualTo(20);
        assertThat(http.allowedInARow(25, "/a", "X-Forwarded-For", "198.51.100.8")).isEqualTo(20);
        // the client is the right-most untrusted hop, whatever it put in front of it
        assertThat(http.get("/a", "X-Forwarded-For", "1.2.3.4, 198.51.100.7, 10.1.1.1").statusCode()).isEqualTo(429);
        assertThat(http.get("/a", "Forwarded", "for=1.2.3.4, for=\"198.51.100.8:443\"").statusCode()).isEqualTo(429);
        // an unreadable hop stops the walk at the trusted proxy in front of it: one shared, separate bucket
        assertThat(http.allowedInARow(25, "/a", "X-Forwarded-For", "198.51.100.7, unknown, 10.2.2.2")).isEqualTo(20);
    }

    @Test
    void ipv6ClientsShareTheirSlash64() {
        Http http = new Http(port);
        int allowed = 0;
        for (int i = 0; i < 25; i++) {
            String addr = "2001:db8:1:2::" + Integer.toHexString(i + 1);
            if (http.get("/b", "X-Forwarded-For", addr).statusCode() == 200) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(20);
        assertThat(http.get("/b", "X-Forwarded-For", "2001:db8:1:3::1").statusCode()).isEqualTo(200);
    }
}
