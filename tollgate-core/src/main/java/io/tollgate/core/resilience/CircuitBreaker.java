package io.tollgate.core.resilience;

import io.tollgate.core.store.MicrosClock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small lock-free circuit breaker with the three classic states.
 *
 * <ul>
 *   <li>{@link State#CLOSED}: every call may proceed. After {@code failureThreshold} consecutive failures it opens.</li>
 *   <li>{@link State#OPEN}: every call is refused at once, for {@code coolDown}.</li>
 *   <li>{@link State#HALF_OPEN}: after the cool-down exactly one caller gets a <em>probe</em> permit; everyone else is
 *       still refused while that probe is in flight (no thundering herd). A probe success closes the breaker, a probe
 *       failure re-opens it for another cool-down.</li>
 * </ul>
 *
 * <p>Usage: call {@link #tryAcquire()}; if it returns {@code null} fail fast, otherwise run the call and report its
 * outcome with {@link #onSuccess}, {@link #onFailure} or {@link #onIgnored} using the same permit. Each permit belongs to
 * one phase of the breaker; outcomes of permits from an earlier phase (a slow call started before the breaker opened)
 * are ignored, so they can neither close nor re-open it by accident.
 *
 * <p>All state lives in one immutable {@link Phase} behind an {@link AtomicReference}; every transition is a single
 * compare-and-set, and only the thread that wins it notifies the {@link Listener} and logs, so each change is reported
 * exactly once. The OPEN to HALF_OPEN transition happens lazily on the first call after the cool-down, so
 * {@link #state()} keeps reporting OPEN until somebody asks.
 *
 * <p>A probe whose outcome never arrives would wedge the breaker in HALF_OPEN; as a safety net, a probe older than one
 * cool-down is presumed lost and the next caller becomes the new probe.
 *
 * <p>Time is a {@link MicrosClock} measuring local durations only, so it must be {@link MicrosClock#MONOTONIC} in
 * production: a wall clock stepping back would hold the breaker open for the size of the step.
 */
public final class CircuitBreaker {

    private static final Logger log = LoggerFactory.getLogger(CircuitBreaker.class);

    public static final int DEFAULT_FAILURE_THRESHOLD = 5;
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(2);

    /** The breaker's states. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** Receives every state change exactly once, on the thread that caused it. Must be quick and must not throw. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (from, to) -> { };

        void onStateChange(State from, State to);
    }

    /** Permission to make one call; hand it back with the outcome. */
    public static final class Permit {
        private final long generation;
        private final boolean probe;

        private Permit(long generation, boolean probe) {
            this.generation = generation;
            this.probe = probe;
        }

        /** True for the single trial call of the HALF_OPEN state. */
        public boolean probe() {
            return probe;
        }
    }

    /** One immutable snapshot. {@code generation} changes on every state change, which makes old permits stale. */
    private record Phase(State state, long sinceMicros, long generation, int failures, Permit permit) {
        static Phase closed(long now, long generation) {
            return new Phase(State.CLOSED, now, generation, 0, new Permit(generation, false));
        }

        static Phase open(long now, long generation, int failures) {
            return new Phase(State.OPEN, now, generation, failures, null);
        }

        static Phase halfOpen(long now, long generation, int failures) {
            return new Phase(State.HALF_OPEN, now, generation, failures, new Permit(generation, true));
        }

        Phase withFailures(int n) {
            return new Phase(state, sinceMicros, generation, n, permit);
        }
    }

    private final String name;
    private final int failureThreshold;
    private final long coolDownMicros;
    private final MicrosClock clock;
    private final Listener listener;
    private final AtomicReference<Phase> phase;
    private final AtomicLong timesOpened = new AtomicLong();

    /**
     * @param name             used in log lines, e.g. the store's description
     * @param failureThreshold consecutive failures that open the breaker, at least 1
     * @param coolDown         how long the breaker stays open before a probe, at least 1 µs
     * @param clock            local durations; {@link MicrosClock#MONOTONIC} in production
     * @param listener         receives state changes; {@code null} for none
     */
    public CircuitBreaker(String name, int failureThreshold, Duration coolDown, MicrosClock clock, Listener listener) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failure threshold must be at least 1, got " + failureThreshold);
        }
        if (coolDown.isNegative() || coolDown.toNanos() < 1_000) {
            throw new IllegalArgumentException("cool-down must be at least 1 µs, got " + coolDown);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.failureThreshold = failureThreshold;
        this.coolDownMicros = coolDown.toNanos() / 1_000;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = listener == null ? Listener.NONE : listener;
        this.phase = new AtomicReference<>(Phase.closed(clock.nowMicros(), 0));
    }

    /** Threshold 5, cool-down 2 s, {@link MicrosClock#MONOTONIC}, no listener. */
    public CircuitBreaker(String name) {
        this(name, DEFAULT_FAILURE_THRESHOLD, DEFAULT_COOL_DOWN, MicrosClock.MONOTONIC, Listener.NONE);
    }

    /**
     * Asks to make a call.
     *
     * @return a permit, or {@code null} when the call must fail fast (open, or a probe is already in flight)
     */
    public Permit tryAcquire() {
        while (true) {
            Phase p = phase.get();
            switch (p.state()) {
                case CLOSED:
                    return p.permit();
                case OPEN: {
                    long now = clock.nowMicros();
                    if (now - p.sinceMicros() < coolDownMicros) {
                        return null;
                    }
                    Phase next = Phase.halfOpen(now, p.generation() + 1, p.failures());
                    if (phase.compareAndSet(p, next)) {
                        changed(State.OPEN, State.HALF_OPEN, p.failures());
                        return next.permit();
                    }
                    break; // lost the race: someone else is the probe (or the phase moved on); look again
                }
                case HALF_OPEN: {
                    long now = clock.nowMicros();
                    if (now - p.sinceMicros() < coolDownMicros) {
                        return null; // the probe is in flight
                    }
                    // The probe has been silent for a whole cool-down: presume it lost and let this caller probe.
                    Phase next = Phase.halfOpen(now, p.generation() + 1, p.failures());
                    if (phase.compareAndSet(p, next)) {
                        return next.permit();
                    }
                    break;
                }
                default:
                    throw new IllegalStateException(p.state().name());
            }
        }
    }

    /** The call behind {@code permit} succeeded. */
    public void onSuccess(Permit permit) {
        while (true) {
            Phase p = phase.get();
            if (p.generation() != permit.generation) {
                return; // stale permit
            }
            if (p.state() == State.CLOSED) {
                // Only allocate when there is something to reset: this is the hot path.
                if (p.failures() == 0 || phase.compareAndSet(p, p.withFailures(0))) {
                    return;
                }
            } else if (p.state() == State.HALF_OPEN && permit.probe) {
                if (phase.compareAndSet(p, Phase.closed(clock.nowMicros(), p.generation() + 1))) {
                    changed(State.HALF_OPEN, State.CLOSED, 0);
                    return;
                }
            } else {
                return;
            }
        }
    }

    /** The call behind {@code permit} failed in a way that suggests the protected resource is down. */
    public void onFailure(Permit permit) {
        while (true) {
            Phase p = phase.get();
            if (p.generation() != permit.generation) {
                return;
            }
            int failures = p.failures() + 1;
            if (p.state() == State.CLOSED) {
                Phase next = failures >= failureThreshold
                        ? Phase.open(clock.nowMicros(), p.generation() + 1, failures)
                        : p.withFailures(failures);
                if (phase.compareAndSet(p, next)) {
                    if (next.state() == State.OPEN) {
                        timesOpened.incrementAndGet();
                        changed(State.CLOSED, State.OPEN, failures);
                    }
                    return;
                }
            } else if (p.state() == State.HALF_OPEN && permit.probe) {
                if (phase.compareAndSet(p, Phase.open(clock.nowMicros(), p.generation() + 1, failures))) {
                    timesOpened.incrementAndGet();
                    changed(State.HALF_OPEN, State.OPEN, failures);
                    return;
                }
            } else {
                return;
            }
        }
    }

    /**
     * The call ended in a way that says nothing about the resource (for example a caller bug). Counts neither way; a
     * probe permit is released so the next caller can probe at once.
     */
    public void onIgnored(Permit permit) {
        if (!permit.probe) {
            return;
        }
        Phase p = phase.get();
        if (p.state() == State.HALF_OPEN && p.generation() == permit.generation) {
            // Back-date the phase by a cool-down so the next tryAcquire treats the probe slot as free.
            phase.compareAndSet(p, Phase.halfOpen(clock.nowMicros() - coolDownMicros, p.generation() + 1, p.failures()));
        }
    }

    private void changed(State from, State to, int failures) {
        if (to == State.OPEN) {
            log.warn("Circuit breaker for {} opened after {} consecutive failures ({} -> {}); failing fast for {} ms",
                    name, failures, from, to, coolDownMicros / 1_000);
        } else {
            log.info("Circuit breaker for {}: {} -> {}", name, from, to);
        }
        try {
            listener.onStateChange(from, to);
        } catch (RuntimeException e) {
            log.warn("Circuit breaker listener failed on {} -> {}", from, to, e);
        }
    }

    /** The current state. OPEN turns into HALF_OPEN only when a call arrives after the cool-down. */
    public State state() {
        return phase.get().state();
    }

    /** Consecutive failures counted so far (reset when the breaker closes or a call succeeds while closed). */
    public int consecutiveFailures() {
        return phase.get().failures();
    }

    /** How many times the breaker has opened (including re-opens after a failed probe). */
    public long timesOpened() {
        return timesOpened.get();
    }

    /** Microseconds until a probe may be attempted; zero unless OPEN. */
    public long remainingOpenMicros() {
        Phase p = phase.get();
        return p.state() == State.OPEN ? Math.max(0, coolDownMicros - (clock.nowMicros() - p.sinceMicros())) : 0;
    }

    public int failureThreshold() {
        return failureThreshold;
    }

    public Duration coolDown() {
        return Duration.ofNanos(coolDownMicros * 1_000);
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        Phase p = phase.get();
        return "CircuitBreaker{" + name + ", " + p.state() + ", failures=" + p.failures() + ", opened=" + timesOpened.get() + '}';
    }
}
