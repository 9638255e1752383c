package io.tollgate.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.rules.KeySource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientKeysTest {

    private final ClientKeys keys = new ClientKeys();

    @Test
    void ipv4KeysAndPrefixes() {
        assertThat(keys.ipKey(IpLiteral.parse("203.0.113.7"))).isEqualTo("ip:203.0.113.7");
        assertThat(new ClientKeys(24, 64).ipKey(IpLiteral.parse("203.0.113.7"))).isEqualTo("ip:203.0.113.0/24");
        assertThat(keys.ipKey(null)).isEqualTo("ip:unknown");
    }

    @Test
    void ipv6ClientsAreGroupedBySlash64() {
        String a = keys.ipKey(IpLiteral.parse("2001:db8:1:2:aaaa::1"));
        String b = keys.ipKey(IpLiteral.parse("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
        String c = keys.ipKey(IpLiteral.parse("2001:db8:1:3::1"));
        assertThat(a).isEqualTo("ip6:2001:db8:1:2::/64").isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        assertThat(new ClientKeys(32, 48).ipKey(IpLiteral.parse("2001:db8:1:2::1"))).isEqualTo("ip6:2001:db8:1::/48");
        assertThat(new ClientKeys(32, 128).ipKey(IpLiteral.parse("::1"))).isEqualTo("ip6:::1/128");
    }

    @Test
    void headerValuesAreHashedAndBounded() {
        String big = "v".repeat(10_240);
        String odd = "\u0000\u0001\r\n\u00ff\ud800 trailing";
        for (String value : new String[] {"abc", big, odd}) {
            String k = ClientKeys.headerKey("X-API-Key", value);
            assertThat(k).startsWith("hk:").hasSize(3 + ClientKeys.HEADER_HASH_CHARS).matches("hk:[A-Za-z0-9_-]{22}");
        }
        assertThat(ClientKeys.headerKey("X-API-Key", "abc")).isEqualTo(ClientKeys.headerKey("x-api-key", "abc"))
                .isNotEqualTo(ClientKeys.headerKey("X-API-Key", "abd"))
                .isNotEqualTo(ClientKeys.headerKey("X-Other", "abc"));
    }

    @Test
    void missingHeaderFallsBackToIpAndPartsJoinInOrder() {
        var client = IpLiteral.parse("192.0.2.1");
        KeySource header = KeySource.of(List.of(KeySource.parsePart("header:X-API-Key")));
        assertThat(keys.key(header, client, name -> null)).isEqualTo("ip:192.0.2.1");
        assertThat(keys.key(header, client, name -> " ")).isEqualTo("ip:192.0.2.1");
        Map<String, String> h = Map.of("X-API-Key", "secret");
        assertThat(keys.key(header, client, h::get)).isEqualTo(ClientKeys.headerKey("X-API-Key", "secret"))
                .doesNotContain("secret");
        KeySource combo = KeySource.of(List.of(KeySource.parsePart("ip"), KeySource.parsePart("header:X-API-Key"),
                KeySource.parsePart("global")));
        assertThat(keys.key(combo, client, h::get))
                .isEqualTo("ip:192.0.2.1|" + ClientKeys.headerKey("X-API-Key", "secret") + "|global");
        assertThat(keys.key(KeySource.GLOBAL, client, h::get)).isEqualTo("global");
    }

    @Test
    void headerKeysKeepTheirValueAcrossReleases() {
        // stored bucket keys must not change under users: base64url(SHA-256("x-api-key" NUL "abc")), 22 characters
        assertThat(ClientKeys.headerKey("X-API-Key", "abc")).isEqualTo("hk:zaANVJVCiablM3E3w3pj5g");
    }

    @Test
    void queryPathAndPrincipalValuesAreHashedUnderTheirOwnPrefix() {
        String big = "v".repeat(10_240);
        for (String value : new String[] {"abc", big, "\u0000\r\n\ud800"}) {
            assertThat(ClientKeys.queryKey("api_key", value)).matches("qk:[A-Za-z0-9_-]{22}");
            assertThat(ClientKeys.pathKey("tenant", value)).matches("pk:[A-Za-z0-9_-]{22}");
            assertThat(ClientKeys.principalKey(value)).matches("uk:[A-Za-z0-9_-]{22}");
        }
        // query names are case-sensitive; the same value under another kind or name is another bucket
        assertThat(ClientKeys.queryKey("Key", "abc")).isNotEqualTo(ClientKeys.queryKey("key", "abc"));
        assertThat(ClientKeys.queryKey("k", "abc").substring(3)).isNotEqualTo(ClientKeys.pathKey("j", "abc").substring(3));
        assertThat(ClientKeys.principalKey("alice")).isNotEqualTo(ClientKeys.principalKey("bob"));
        assertThat(ClientKeys.valueKey(KeySource.parsePart("query:k"), "v")).isEqualTo(ClientKeys.queryKey("k", "v"));
        assertThat(ClientKeys.valueKey(KeySource.parsePart("principal"), "v")).isEqualTo(ClientKeys.principalKey("v"));
    }

    @Test
    void aLackingValueFallsBackToTheIpWhateverItsKind() {
        var client = IpLiteral.parse("192.0.2.1");
        KeySource source = KeySource.of(List.of(KeySource.parsePart("principal"), KeySource.parsePart("query:k"),
                KeySource.parsePart("path:t")));
        assertThat(keys.keyOf(source, client, part -> null)).isEqualTo("ip:192.0.2.1|ip:192.0.2.1|ip:192.0.2.1");
        assertThat(keys.keyOf(source, client, part -> " ")).isEqualTo("ip:192.0.2.1|ip:192.0.2.1|ip:192.0.2.1");
        assertThat(keys.keyOf(source, client, part -> "x")).isEqualTo(ClientKeys.principalKey("x") + "|"
                + ClientKeys.queryKey("k", "x") + "|" + ClientKeys.pathKey("t", "x"));
    }
}
