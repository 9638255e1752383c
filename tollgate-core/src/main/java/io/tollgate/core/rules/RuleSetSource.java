package io.tollgate.core.rules;

/**
 * Supplies the rules in force right now. Implementations that reload (a watched file) swap the whole {@link RuleSet}
 * atomically, so a request always sees one consistent set.
 */
@FunctionalInterface
public interface RuleSetSource {

    RuleSet current();

    static RuleSetSource of(RuleSet rules) {
        return () -> rules;
    }
}
