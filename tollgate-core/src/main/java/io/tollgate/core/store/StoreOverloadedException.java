package io.tollgate.core.store;

/**
 * The store is answering, but this decision waited longer than its overload budget in a queue (in this process or
 * in the store) before the answer came. It is <em>not</em> a store failure: it never opens a circuit breaker and never
 * triggers a failure policy (which could admit requests for free). The limiter sheds the request instead (HTTP 503
 * with a short Retry-After).
 */
public class StoreOverloadedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreOverloadedException(String message) {
        super(message);
    }
}
