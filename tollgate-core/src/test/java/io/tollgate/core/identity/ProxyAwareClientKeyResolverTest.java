package io.tollgate.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.core.bucket.BucketSpec;
import io.tollgate.core.bucket.Limit;
import io.tollgate.core.bucket.RefillPeriod;
import io.tollgate.core.rules.KeySource;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.Rule;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each key part reads its value from the request view, and only that part's value. */
class ProxyAwareClientKeyResolverTest {

    private final ProxyAwareClientKeyResolver resolver =
            new ProxyAwareClientKeyResolver(new ClientAddressResolver(TrustedProxies.of(List.of())), new ClientKeys());

    /** A request from 192.0.2.9 with these query parameters, this path and this principal. */
    private record Request(Map<String, String> query, String path, String principal) implements RequestView {
        @Override
        public InetAddress peerAddress() {
            return IpLiteral.parse("192.0.2.9");
        }

        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public String queryParameter(String name) {
            return query.get(name);
        }

        @Override
        public String principalName() {
            return principal;
        }
    }

    private static Rule rule(List<String> paths, String... key) {
        return Rule.builder("r").spec(BucketSpec.of(Limit.of(5, 1, RefillPeriod.SECOND)))
                .paths(paths.stream().map(PathPattern::of).toList())
                .keySource(KeySource.of(List.of(key).stream().map(KeySource::parsePart).toList())).build();
    }

    @Test
    void pathVariablesComeFromTheFirstPatternThatMatches() {
        Rule r = rule(List.of("/v1/{tenant}/**", "/v2/orgs/{tenant}"), "path:tenant");
        assertThat(resolver.clientKey(r, new Request(Map.of(), "/v1/acme/x", null)))
                .isEqualTo(ClientKeys.pathKey("tenant", "acme"));
        assertThat(resolver.clientKey(r, new Request(Map.of(), "/v2/orgs/globex", null)))
                .isEqualTo(ClientKeys.pathKey("tenant", "globex"));
        // a view that does not know its path, or a path no pattern matches: the IP
        assertThat(resolver.clientKey(r, new Request(Map.of(), null, null))).isEqualTo("ip:192.0.2.9");
        assertThat(resolver.clientKey(r, new Request(Map.of(), "/other", null))).isEqualTo("ip:192.0.2.9");
    }

    @Test
    void principalAndQueryPartsCombineInOrder() {
        Rule r = rule(List.of("/**"), "principal", "query:api_key", "ip");
        assertThat(resolver.clientKey(r, new Request(Map.of("api_key", "k1"), "/x", "alice"))).isEqualTo(
                ClientKeys.principalKey("alice") + "|" + ClientKeys.queryKey("api_key", "k1") + "|ip:192.0.2.9");
        assertThat(resolver.clientKey(r, new Request(Map.of(), "/x", null)))
                .isEqualTo("ip:192.0.2.9|ip:192.0.2.9|ip:192.0.2.9");
    }

    @Test
    void aViewWithoutTheNewMethodsKeysByIp() {
        RequestView headersOnly = new RequestView() {
            @Override
            public InetAddress peerAddress() {
                return IpLiteral.parse("192.0.2.9");
            }

            @Override
            public String header(String name) {
                return null;
            }
        };
        assertThat(resolver.clientKey(rule(List.of("/{id}"), "principal", "query:q", "path:id"), headersOnly))
                .isEqualTo("ip:192.0.2.9|ip:192.0.2.9|ip:192.0.2.9");
    }
}
