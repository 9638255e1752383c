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

    /**
     * The overload anywhere in a failure's cause chain, or {@code null}: a wrapper does not turn an overload into a
     * store failure. The depth is bounded against cause cycles. The one test every caller of a store uses to tell
     * shedding from a failure policy.
     */
    public static StoreOverloadedException findIn(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof StoreOverloadedException overload) {
                return overload;
            }
        }
        return null;
    }
}
