package io.tollgate.core.resilience;

import io.tollgate.core.store.StoreUnavailableException;

/**
 * The store was not even asked because its circuit breaker is open. A {@link StoreUnavailableException}, so failure
 * policies treat it like any other outage.
 */
public class CircuitOpenException extends StoreUnavailableException {
    private static final long serialVersionUID = 1L;

    public CircuitOpenException(String message) {
        super(message);
    }
}
