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

    /** A store failure for a log line: a store's own message, else the exception's type and message. */
    public static String describe(Throwable error) {
        return error instanceof StoreException ? error.getMessage()
                : error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    /** The failure inside the {@code CompletionException}s that asynchronous stages wrap it in. */
    public static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
