package io.tollgate.scg;

import io.tollgate.core.identity.ClientKeys;
import io.tollgate.core.rules.Rule;

/**
 * Names derived from a route id and a key resolver's id. A route id is configuration, not client input, but it can
 * be anything (a discovery client's service name, a UUID, spaces, braces that Redis Cluster would read as a hash
 * tag); the key resolver's id is client input (a header, a user name) of any length. Neither reaches a bucket key
 * raw:
 * <ul>
 *   <li>the route token is the route id itself when it is a valid rule name ({@link Rule#NAME_PATTERN}), else its
 *       safe characters (at most 40) plus {@code -} and 12 characters of its hash, so two ids never share a token;</li>
 *   <li>the client key is {@code scg:<route token>:hk:<22 characters of base64url(SHA-256)>}, the hash core's
 *       {@link ClientKeys#headerKey} gives header keys, so every client key is short, printable and fixed in form.</li>
 * </ul>
 * The limiter's bucket key is {@code <rule name>:<client key>}, so buckets are per rule, route and id.
 */
final class RouteKeys {

    /** The "header name" the key resolver's ids are hashed under. */
    static final String ID_HASH_NAME = "scg-key-resolver";

    private static final int SAFE_PREFIX_CHARS = 40;
    private static final int HASH_CHARS = 12;

    private RouteKeys() {
    }

    /** A rule-name-safe token for {@code routeId}. */
    static String routeToken(String routeId) {
        String id = routeId == null ? "" : routeId;
        if (Rule.NAME_PATTERN.matcher(id).matches()) {
            return id;
        }
        String safe = id.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        if (safe.length() > SAFE_PREFIX_CHARS) {
            safe = safe.substring(0, SAFE_PREFIX_CHARS);
        }
        // "hk:" + 22 base64url characters; base64url's '-' and '_' are valid in rule names
        String hash = ClientKeys.headerKey("scg-route", id).substring(3, 3 + HASH_CHARS);
        return (safe.isEmpty() ? "route" : safe) + "-" + hash;
    }

    /** The client key of {@code id} on the route with token {@code routeToken}. */
    static String clientKey(String routeToken, String id) {
        return "scg:" + routeToken + ":" + ClientKeys.headerKey(ID_HASH_NAME, id == null ? "" : id);
    }
}
