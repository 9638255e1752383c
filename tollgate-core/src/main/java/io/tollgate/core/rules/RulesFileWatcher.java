package io.tollgate.core.rules;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RuleSetSource} backed by a rules file that is re-read when it changes.
 *
 * <p>Contract:
 * <ul>
 *   <li>The constructor loads the file; a missing or invalid file throws {@link RulesFileException}, so a service
 *       never starts with rules it did not mean to have.</li>
 *   <li>Afterwards one daemon thread polls the file every interval (default 1 s). Polling rather than a
 *       {@code WatchService} because watch events are unreliable on network and container file systems and for
 *       files replaced through symlink swaps (Kubernetes ConfigMaps). A change is detected by size, modification
 *       time and SHA-256 of the content, so even a same-size edit within the file system's time granularity is
 *       seen.</li>
 *   <li>A valid change replaces the rules atomically and logs INFO {@code Reloaded rules from <file>: <n> rules}.
 *       An invalid change or a deleted file logs ERROR (once per distinct problem) and keeps the rules in force.</li>
 * </ul>
 */
public final class RulesFileWatcher implements RuleSetSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RulesFileWatcher.class);

    /** Default polling interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    /** Larger files are refused: a rules file is a few kilobytes, and reading it happens every interval. */
    public static final long MAX_FILE_BYTES = 1 << 20;

    private record Snapshot(long size, long mtimeMillis, byte[] sha256, byte[] content) {
        boolean sameAs(Snapshot o) {
            return o != null && size == o.size && mtimeMillis == o.mtimeMillis && Arrays.equals(sha256, o.sha256);
        }
    }

    private final Path file;
    private final String fileName;
    private final AtomicReference<RuleSet> rules = new AtomicReference<>();
    private final ReloadSchedule poller;
    /** The content last looked at, valid or not; only touched by the poller thread after construction. */
    private Snapshot seen;
    /** The last problem reported, so a broken file logs one ERROR rather than one per interval. */
    private String reportedProblem;

    /**
     * Loads {@code file} and starts watching it.
     *
     * @throws RulesFileException if the file is missing, unreadable or invalid
     */
    public RulesFileWatcher(Path file, Duration interval) {
        this.file = Objects.requireNonNull(file, "file");
        this.fileName = file.toString();
        ReloadSchedule.checkInterval(interval);
        Snapshot first = snapshot();
        rules.set(parse(first));
        seen = first;
        poller = ReloadSchedule.start("tollgate-rules-watcher", interval, this::poll);
    }

    public RulesFileWatcher(Path file) {
        this(file, DEFAULT_INTERVAL);
    }

    @Override
    public RuleSet current() {
        return rules.get();
    }

    public Path file() {
        return file;
    }

    /** One polling step; never throws (an exception would cancel the schedule). */
    void poll() {
        try {
            checkNow();
        } catch (RuntimeException | Error e) {
            report("Could not check rules file " + fileName + ": " + e + "; keeping the current rules", e);
        }
    }

    /** Re-reads the file if it changed. Package-private so tests can step without waiting. */
    void checkNow() {
        Snapshot now;
        try {
            now = snapshot();
        } catch (RulesFileException e) {
            report("Rules file problem: " + e.getMessage() + "; keeping the current "
                    + rules.get().rules().size() + " rules", null);
            seen = null; // so the file reappearing with the very same content still counts as a change
            return;
        }
        if (now.sameAs(seen)) {
            return;
        }
        seen = now;
        try {
            RuleSet next = parse(now);
            rules.set(next);
            reportedProblem = null;
            log.info("Reloaded rules from {}: {} rules", fileName, next.rules().size());
        } catch (RulesFileException e) {
            report("Invalid rules file, keeping the current " + rules.get().rules().size() + " rules: "
                    + e.getMessage(), null);
        }
    }

    private void report(String message, Throwable e) {
        if (!message.equals(reportedProblem)) {
            reportedProblem = message;
            if (e == null) {
                log.error(message);
            } else {
                log.error(message, e);
            }
        }
    }

    private Snapshot snapshot() {
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                throw new RulesFileException(fileName, null, null, "not a regular file");
            }
            if (attrs.size() > MAX_FILE_BYTES) {
                throw new RulesFileException(fileName, null, null, "file is larger than " + MAX_FILE_BYTES + " bytes");
            }
            byte[] bytes = Files.readAllBytes(file);
            return new Snapshot(bytes.length, attrs.lastModifiedTime().toMillis(), sha256(bytes), bytes);
        } catch (NoSuchFileException e) {
            throw new RulesFileException(fileName, null, null, "file not found", e);
        } catch (IOException | SecurityException e) {
            throw new RulesFileException(fileName, null, null, "file cannot be read: " + e, e);
        }
    }

    private RuleSet parse(Snapshot s) {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(s.content())).toString();
        } catch (CharacterCodingException e) {
            throw new RulesFileException(fileName, null, null, "file is not valid UTF-8", e);
        }
        return RuleSetParser.parse(json, fileName);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
