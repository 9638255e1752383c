package io.tollgate.scg;

import io.tollgate.core.limiter.ThrottledLog;
import io.tollgate.core.rules.Rule;
import io.tollgate.core.rules.RuleSetSource;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What one route's limit is, once its settings have been checked ({@link RouteSettings#resolve}). */
sealed interface RouteLimit permits RouteLimit.Fixed, RouteLimit.Named, RouteLimit.DenyAll {

    /** The route's token in bucket keys ({@link RouteKeys#routeToken}). */
    String routeToken();

    /** SCG's numbers on the route: one limit of {@code burstCapacity} refilled {@code replenishRate} per second. */
    record Fixed(String routeToken, Rule rule, TollgateRateLimiter.Config config) implements RouteLimit {
    }

    /** {@code burstCapacity: 0}: every request is denied without asking the store, as SCG's RedisRateLimiter does. */
    record DenyAll(String routeToken, TollgateRateLimiter.Config config) implements RouteLimit {
    }

    /**
     * A Tollgate rule by name, looked up on every request so that a reloaded rules file applies at once. A reload
     * that drops the rule does not unlimit the route: it keeps the version it last saw, and says so in the log.
     */
    final class Named implements RouteLimit {

        private static final Logger log = LoggerFactory.getLogger(TollgateRateLimiter.class);

        private final String routeId;
        private final String routeToken;
        private final String ruleName;
        private final ThrottledLog missingLog = new ThrottledLog(Duration.ofSeconds(60));
        private volatile Rule last;

        Named(String routeId, String routeToken, Rule rule) {
            this.routeId = routeId;
            this.routeToken = routeToken;
            this.ruleName = rule.name();
            this.last = rule;
        }

        @Override
        public String routeToken() {
            return routeToken;
        }

        String ruleName() {
            return ruleName;
        }

        /** The rule in force now. */
        Rule rule(RuleSetSource rules) {
            Rule now = rules.current().rule(ruleName).orElse(null);
            if (now == null) {
                missingLog.event(suppressed -> log.warn("Tollgate rule \"{}\" of gateway route \"{}\" is no longer in"
                        + " the rules; the route keeps its last version {}", ruleName, routeId, last));
                return last;
            }
            last = now;
            return now;
        }
    }
}
