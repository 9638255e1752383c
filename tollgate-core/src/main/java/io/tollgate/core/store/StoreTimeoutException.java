package io.tollgate.core.store;

/** The store did not answer within its time budget. */
public class StoreTimeoutException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
