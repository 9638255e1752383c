package io.tollgate.envoy.config;

import io.tollgate.core.rules.ReloadSchedule;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link EnvoyConfig} of a {@link ConfigDirectory} current, the way {@code RulesFileWatcher} does for a rules
 * file.
 *
 * <p>Contract:
 * <ul>
 *   <li>The constructor loads the folder; a missing folder or any invalid file throws {@link EnvoyConfigException}, so
 *       a service never starts with a configuration it did not mean to have. (envoyproxy/ratelimit starts and fails
 *       every call instead.)</li>
 *   <li>One daemon thread then reads the folder every interval (default 1 s) and compares a digest of every file's
 *       path and content. Polling rather than file-system events, because events are unreliable on network and
 *       container file systems and for symlink swaps; it sees a swap of the {@code RUNTIME_ROOT} symlink and an edit,
 *       creation or removal inside the folder alike.</li>
 *   <li>A change is loaded as a whole set: if it is valid it replaces the configuration atomically, logs INFO and
 *       counts a {@link #loadSuccesses() success}; if any file is invalid (or the folder is gone mid-swap) the
 *       configuration in force stays, ERROR is logged once per distinct problem and an {@link #loadErrors() error} is
 *       counted: envoyproxy/ratelimit's {@code config_load_success} and {@code config_load_error}.</li>
 * </ul>
 */
public final class EnvoyConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EnvoyConfigWatcher.class);

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final ConfigDirectory directory;
    private final AtomicReference<EnvoyConfig> config = new AtomicReference<>();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final ReloadSchedule poller;
    /** What was last looked at, valid or not; touched only by the poller thread after construction. */
    private ConfigDirectory.Contents seen;
    /** The last problem logged, so a broken file logs one ERROR rather than one per interval. */
    private String reported;

    /**
     * Loads {@code directory} and starts watching it.
     *
     * @throws EnvoyConfigException if the folder is missing or any file is invalid
     */
    public EnvoyConfigWatcher(ConfigDirectory directory, Duration interval) {
        this.directory = Objects.requireNonNull(directory, "directory");
        ReloadSchedule.checkInterval(interval);
        ConfigDirectory.Contents first = directory.read();
        config.set(ConfigDirectory.parse(first));
        successes.incrementAndGet();
        seen = first;
        poller = ReloadSchedule.start("tollgate-envoy-config-watcher", interval, this::poll);
    }

    public EnvoyConfigWatcher(ConfigDirectory directory) {
        this(directory, DEFAULT_INTERVAL);
    }

    /** The configuration in force; never {@code null}. */
    public EnvoyConfig current() {
        return config.get();
    }

    /** Loads that replaced the configuration, the first one included. */
    public long loadSuccesses() {
        return successes.get();
    }

    /** Changes that were rejected, the configuration in force kept. */
    public long loadErrors() {
        return errors.get();
    }

    /** One polling step; never throws, which would cancel the schedule. */
    private void poll() {
        try {
            checkNow();
        } catch (RuntimeException | Error e) {
            report("Could not check configuration folder " + directory + ": " + e + "; keeping the current one");
        }
    }

    /** Reloads if anything changed. Package-private so tests can step without waiting. */
    synchronized void checkNow() {
        ConfigDirectory.Contents now;
        try {
            now = directory.read();
        } catch (EnvoyConfigException e) {
            // counted once, not once per interval while the folder stays unreadable
            reject(e, seen != null);
            seen = null; // the folder coming back with the same files still counts as a change
            return;
        }
        if (now.sameAs(seen)) {
            return;
        }
        seen = now;
        try {
            EnvoyConfig next = ConfigDirectory.parse(now);
            config.set(next);
            successes.incrementAndGet();
            reported = null;
            log.info("Reloaded envoy rate-limit configuration from {}: {} files, domains {}", directory,
                    now.files().size(), next.domainNames());
        } catch (EnvoyConfigException e) {
            reject(e, true);
        }
    }

    private void reject(EnvoyConfigException e, boolean count) {
        if (count) {
            errors.incrementAndGet();
        }
        report("Rejected the envoy rate-limit configuration in " + directory + ", keeping the domains "
                + config.get().domainNames() + " in force: " + e.getMessage());
    }

    private void report(String message) {
        if (!message.equals(reported)) {
            reported = message;
            log.error(message);
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
