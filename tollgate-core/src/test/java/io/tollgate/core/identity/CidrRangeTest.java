package io.tollgate.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrRangeTest {

    @Test
    void ipv4RangeContainsItsAddressesOnly() {
        CidrRange r = CidrRange.parse("10.0.0.0/8");
        assertThat(r.contains(IpLiteral.parse("10.255.1.2"))).isTrue();
        assertThat(r.contains(IpLiteral.parse("11.0.0.1"))).isFalse();
        assertThat(r.contains(IpLiteral.parse("::1"))).isFalse();
        assertThat(r).hasToString("10.0.0.0/8");
    }

    @Test
    void singleAddressesAndIpv6() {
        assertThat(CidrRange.parse("192.168.1.7").prefixLength()).isEqualTo(32);
        assertThat(CidrRange.parse("::1").prefixLength()).isEqualTo(128);
        assertThat(CidrRange.parse("::1/128").contains(IpLiteral.parse("::1"))).isTrue();
        CidrRange v6 = CidrRange.parse("2001:db8::/32");
        assertThat(v6.contains(IpLiteral.parse("2001:db8:ffff::1"))).isTrue();
        assertThat(v6.contains(IpLiteral.parse("2001:db9::1"))).isFalse();
        assertThat(CidrRange.parse("10.1.2.3/8")).isEqualTo(CidrRange.parse("10.0.0.0/8"));
    }

    @Test
    void invalidInputNamesTheValue() {
        for (String bad : new String[] {"10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/", "10.0.0.0/x",
                "300.1.1.1", "1.2.3.4/-1", ""}) {
            assertThatThrownBy(() -> CidrRange.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + bad + "\"");
        }
    }

    @Test
    void literalParsingNeverResolvesNames() {
        assertThat(IpLiteral.parseOrNull("localhost")).isNull();
        assertThat(IpLiteral.parseOrNull("1.2.3")).isNull();
        assertThat(IpLiteral.parseOrNull("01.2.3.4")).isNull();
        assertThat(IpLiteral.parseOrNull("1:2:3:4:5:6:7:8:9")).isNull();
        assertThat(IpLiteral.parseOrNull("1::2::3")).isNull();
        assertThat(IpLiteral.parseOrNull("fe80::1%eth0")).isNull();
        assertThat(IpLiteral.parseOrNull("::ffff:10.0.0.1").getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(IpLiteral.parseOrNull("1:2:3:4:5:6:7:8").getHostAddress()).isEqualTo("1:2:3:4:5:6:7:8");
        assertThat(IpLiteral.parseOrNull("2001:DB8::").getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:0");
        assertThat(IpLiteral.parseOrNull("::")).isNotNull();
    }
}
