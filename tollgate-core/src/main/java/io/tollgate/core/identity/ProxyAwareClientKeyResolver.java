package io.tollgate.core.identity;

import io.tollgate.core.rules.KeySource;
import io.tollgate.core.rules.PathPattern;
import io.tollgate.core.rules.Rule;
import java.net.InetAddress;
import java.util.Objects;

/**
 * The default {@link ClientKeyResolver}: resolves the client address through trusted proxies
 * ({@link ClientAddressResolver}) and builds the key the rule's {@link io.tollgate.core.rules.KeySource} asks for
 * ({@link ClientKeys}), reading each header, query parameter, path variable or principal from the request only when
 * the key has such a part.
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
        return keys.keyOf(rule.keySource(), client, part -> value(rule, part, request));
    }

    private static String value(Rule rule, KeySource.Part part, RequestView request) {
        return switch (part.kind()) {
            case HEADER -> request.header(part.name());
            case QUERY -> request.queryParameter(part.name());
            case PRINCIPAL -> request.principalName();
            case PATH -> pathVariable(rule, part.name(), request.path());
            case IP, GLOBAL -> null;
        };
    }

    /** The variable as the first of the rule's patterns that matches the path captures it. */
    private static String pathVariable(Rule rule, String name, String path) {
        if (path == null) {
            return null;
        }
        for (PathPattern p : rule.paths()) {
            String v = p.variable(path, name);
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
