package io.tollgate.spring.web;

import io.tollgate.core.rules.Rule;

/**
 * A rule keyed on the principal that the first filter matched and left, as a request attribute, for the filter that
 * runs after authentication. The second filter decides it with the path the first one matched, so each request is
 * decided once, under the rule it matched, even when the rules are reloaded in between.
 *
 * @param rule the matched rule
 * @param path the normalised path it matched
 */
record DeferredRule(Rule rule, String path) {

    /** Request (or exchange) attribute holding the deferred rule. */
    static final String ATTRIBUTE = DeferredRule.class.getName();
}
