package io.tollgate.spring.observe;

import io.tollgate.core.identity.ClientKeys;
import io.tollgate.core.limiter.LimiterListener;
import io.tollgate.core.limiter.Outcome;
import io.tollgate.core.limiter.ThrottledLog;
import io.tollgate.core.limiter.Verdict;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs denials (and shadow denials) with rule and client key: at DEBUG every one, at INFO at most one line per second
 * with a count of those held back, so an attack cannot flood the log. With {@code maskKeys} the client key is shown
 * only as a short hash, enough to correlate lines without revealing addresses.
 */
public final class DenialLog implements LimiterListener {

    private static final Logger log = LoggerFactory.getLogger(DenialLog.class);

    private final boolean maskKeys;
    private final ThrottledLog throttle = new ThrottledLog(Duration.ofSeconds(1));

    public DenialLog(boolean maskKeys) {
        this.maskKeys = maskKeys;
    }

    @Override
    public void onVerdict(Verdict v) {
        if (v.outcome() != Outcome.DENIED && v.outcome() != Outcome.SHADOW_DENIED) {
            return;
        }
        String key = maskKeys ? mask(v.clientKey()) : v.clientKey();
        String what = v.outcome() == Outcome.DENIED ? "Rate limited" : "Would rate limit (shadow)";
        if (log.isDebugEnabled()) {
            log.debug("{} client {} under rule \"{}\"", what, key, v.rule().name());
            return;
        }
        throttle.event(suppressed -> log.info("{} client {} under rule \"{}\"{}", what, key, v.rule().name(),
                suppressed > 0 ? " (" + suppressed + " more denials since the last message)" : ""));
    }

    /** A short stable hash of a key: 8 characters of its SHA-256. */
    static String mask(String key) {
        return "#" + ClientKeys.headerKey("log", key).substring(3, 11);
    }
}
