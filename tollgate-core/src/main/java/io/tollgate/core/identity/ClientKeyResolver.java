package io.tollgate.core.identity;

import io.tollgate.core.rules.Rule;

/**
 * Maps a request to the client key of a rule's bucket. Replace it to key clients some other way (an authenticated
 * principal, a tenant id); keep keys short and never put raw secrets in them, since they appear in store keys and
 * may appear in logs.
 */
@FunctionalInterface
public interface ClientKeyResolver {

    String clientKey(Rule rule, RequestView request);
}
