package io.tollgate.core.limiter;

/** Observes verdicts, for metrics and logging. Called on the thread that completed the store call; must not block. */
@FunctionalInterface
public interface LimiterListener {

    LimiterListener NONE = verdict -> { };

    void onVerdict(Verdict verdict);
}
