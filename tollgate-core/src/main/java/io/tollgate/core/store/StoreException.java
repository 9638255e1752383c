package io.tollgate.core.store;

/** The store could not decide. Subclasses say why; the failure policy decides what the request gets. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
