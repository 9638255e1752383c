package io.tollgate.core.identity;

import io.tollgate.core.rules.Rule;
import java.net.InetAddress;
import java.util.Objects;

/**
 * The default {@link ClientKeyResolver}: resolves the client address through trusted proxies
 * ({@link ClientAddressResolver}) and builds the key the rule's {@link io.tollgate.core.rules.KeySource} asks for
 * ({@link ClientKeys}).
 */
public final class ProxyAwareClientKeyResolver implements ClientKeyResolver {

    private final ClientAddressResolver addresses;
    private final ClientKeys keys;

    public ProxyAwareClientKeyResolver(ClientAddressResolver addresses, ClientKeys keys) {
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    @Override
    public String clientKey(Rule rule, RequestView request) {
        if (rule.keySource().isGlobal()) {
            return "global"; // no need to look at addresses at all
        }
        InetAddress client = addresses.resolve(request.peerAddress(), request.header("X-Forwarded-For"),
                request.header("Forwarded"));
        return keys.key(rule.keySource(), client, request::header);
    }
}
