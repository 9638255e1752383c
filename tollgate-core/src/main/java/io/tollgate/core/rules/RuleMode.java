package io.tollgate.core.rules;

/** Whether a rule blocks. */
public enum RuleMode {
    /** Denied requests get 429. */
    ENFORCE,
    /** Denied requests are counted, logged and reported in headers, but let through. */
    SHADOW
}
