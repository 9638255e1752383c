package io.tollgate.scg;

/**
 * A gateway route's Tollgate settings cannot be used: an unknown rule, a bad number, both a rule and SCG's numbers.
 * Thrown at start-up for the routes in {@code spring.cloud.gateway.server.webflux.routes} (and their default filters),
 * which {@link TollgateRouteFailureAnalyzer} turns into a short "APPLICATION FAILED TO START" report; for a route
 * added later (a route repository, the actuator) it fails that route's refresh, as SCG reports any bad filter.
 */
public class TollgateRouteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String routeId;
    private final String setting;
    private final String value;
    private final String problem;
    private final String where;

    /**
     * @param routeId the route's id
     * @param setting the filter argument at fault, as {@code tollgate.replenishRate}
     * @param value   its value as given, or {@code null} when it is missing
     * @param problem what is wrong
     * @param where   where the filter is configured (a property path), or {@code null} when unknown
     */
    public TollgateRouteException(String routeId, String setting, String value, String problem, String where) {
        super("Route \"" + routeId + "\": " + setting + (value == null ? "" : " = \"" + value + "\"") + ": " + problem
                + (where == null ? "" : " (" + where + ")"));
        this.routeId = routeId;
        this.setting = setting;
        this.value = value;
        this.problem = problem;
        this.where = where;
    }

    /** The same problem, now known to be configured at {@code where}. */
    TollgateRouteException at(String where) {
        return new TollgateRouteException(routeId, setting, value, problem, where);
    }

    public String routeId() {
        return routeId;
    }

    public String setting() {
        return setting;
    }

    public String value() {
        return value;
    }

    public String problem() {
        return problem;
    }

    public String where() {
        return where;
    }
}
