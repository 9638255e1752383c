package io.tollgate.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressResolverTest {

    private static final InetAddress PROXY = IpLiteral.parse("10.0.0.5");
    private static final InetAddress STRANGER = IpLiteral.parse("198.51.100.20");

    private final ClientAddressResolver trusting =
            new ClientAddressResolver(TrustedProxies.parse(List.of("10.0.0.0/8", "2001:db8:ffff::/48")));

    private static String ip(InetAddress a) {
        return a.getHostAddress();
    }

    @Test
    void headersAreIgnoredWithoutTrustedProxies() {
        ClientAddressResolver none = new ClientAddressResolver(TrustedProxies.NONE);
        assertThat(none.resolve(PROXY, "203.0.113.9", "for=203.0.113.9")).isEqualTo(PROXY);
    }

    @Test
    void headersFromAnUntrustedPeerAreIgnored() {
        assertThat(trusting.resolve(STRANGER, "203.0.113.9", "for=203.0.113.9")).isEqualTo(STRANGER);
    }

    @Test
    void rightMostUntrustedAddressIsTheClient() {
        // the client put a fake address in front; the proxy appended the real one
        assertThat(ip(trusting.resolve(PROXY, "1.1.1.1, 203.0.113.9", null))).isEqualTo("203.0.113.9");
        // a chain of trusted proxies is skipped
        assertThat(ip(trusting.resolve(PROXY, "1.1.1.1, 203.0.113.9, 10.1.1.1, 10.2.2.2", null))).isEqualTo("203.0.113.9");
    }

    @Test
    void allTrustedHopsGiveTheLeftMost() {
        assertThat(ip(trusting.resolve(PROXY, "10.1.1.1, 10.2.2.2", null))).isEqualTo("10.1.1.1");
    }

    @Test
    void invalidEntriesStopTheWalkAtTheLastTrustedHop() {
        assertThat(ip(trusting.resolve(PROXY, "203.0.113.9, garbage, 10.2.2.2", null))).isEqualTo("10.2.2.2");
        assertThat(ip(trusting.resolve(PROXY, "unknown", null))).isEqualTo("10.0.0.5");
        assertThat(ip(trusting.resolve(PROXY, "evil.example.com", null))).isEqualTo("10.0.0.5");
        assertThat(ip(trusting.resolve(PROXY, "203.0.113.9,", null))).isEqualTo("10.0.0.5");
        assertThat(ip(trusting.resolve(PROXY, "999.1.1.1", null))).isEqualTo("10.0.0.5");
    }

    @Test
    void portsAndBracketsAreStripped() {
        assertThat(ip(trusting.resolve(PROXY, "203.0.113.9:5555", null))).isEqualTo("203.0.113.9");
        assertThat(ip(trusting.resolve(PROXY, "[2001:db8::1]:443", null))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(ip(trusting.resolve(PROXY, "2001:db8::1", null))).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void forwardedHeaderIsParsed() {
        assertThat(ip(trusting.resolve(PROXY, null, "for=\"[2001:db8::1]:4711\""))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(ip(trusting.resolve(PROXY, null, "for=192.0.2.60;proto=http;by=203.0.113.43")))
                .isEqualTo("192.0.2.60");
        assertThat(ip(trusting.resolve(PROXY, null, "For=\"192.0.2.1\", for=198.51.100.17;by=10.0.0.1, for=10.3.3.3")))
                .isEqualTo("198.51.100.17");
        // obfuscated identifiers and "unknown" stop the walk
        assertThat(ip(trusting.resolve(PROXY, null, "for=192.0.2.1, for=_hidden, for=10.3.3.3"))).isEqualTo("10.3.3.3");
        assertThat(ip(trusting.resolve(PROXY, null, "for=unknown"))).isEqualTo("10.0.0.5");
        // quoted values may contain separators
        assertThat(ip(trusting.resolve(PROXY, null, "for=192.0.2.9;note=\"a,b;c\""))).isEqualTo("192.0.2.9");
    }

    @Test
    void forwardedWinsOverXForwardedForButEmptyForwardedFallsBack() {
        assertThat(ip(trusting.resolve(PROXY, "203.0.113.1", "for=203.0.113.2"))).isEqualTo("203.0.113.2");
        assertThat(ip(trusting.resolve(PROXY, "203.0.113.1", "proto=https"))).isEqualTo("203.0.113.1");
    }

    @Test
    void malformedForwardedNeverThrows() {
        for (String f : new String[] {"for=\"unterminated", "for=[::1", "for=\"[::1]:99999\"", "=;=,,;;", "for==",
                "for=\"\\\"", "\u0000\u0001for=1.2.3.4"}) {
            assertThat(trusting.resolve(PROXY, null, f)).isNotNull();
        }
    }

    @Test
    void workIsBounded() {
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            huge.append("10.0.").append(i % 250).append(".1, ");
        }
        huge.append("10.9.9.9");
        long start = System.nanoTime();
        InetAddress a = trusting.resolve(PROXY, huge.toString(), null);
        assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
        assertThat(trusting.trustedProxies().contains(a)).isTrue(); // stopped within the trusted chain after 32 hops
        String longGarbage = "x".repeat(100_000) + ", 203.0.113.9";
        assertThat(ip(trusting.resolve(PROXY, longGarbage, null))).isEqualTo("203.0.113.9");
    }

    @Test
    void ipv6ClientsThroughTrustedIpv6Proxy() {
        InetAddress v6proxy = IpLiteral.parse("2001:db8:ffff::10");
        assertThat(ip(trusting.resolve(v6proxy, "2001:db8:1:2::99", null))).isEqualTo("2001:db8:1:2:0:0:0:99");
    }
}
