package io.tollgate.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesFileWatcherTest {

    @TempDir
    Path dir;

    private static String rules(int capacity) {
        return "{\"default\": {\"capacity\": " + capacity + ", \"refill_rate\": 5, \"period\": \"second\"}}";
    }

    private static long capacity(RulesFileWatcher w) {
        return w.current().defaultRule().orElseThrow().spec().limit(0).capacity();
    }

    @Test
    void missingOrInvalidFileFailsAtStart() throws Exception {
        assertThatThrownBy(() -> new RulesFileWatcher(dir.resolve("nope.json"))).isInstanceOf(RulesFileException.class)
                .hasMessageContaining("nope.json");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"default\": {\"capacity\": -5, \"refill_rate\": 5}}");
        assertThatThrownBy(() -> new RulesFileWatcher(bad)).isInstanceOf(RulesFileException.class)
                .hasMessageContaining("capacity");
    }

    @Test
    void validEditIsPickedUpInvalidEditAndDeletionKeepOldRules() throws Exception {
        Path file = dir.resolve("rate_limits.json");
        Files.writeString(file, rules(20));
        try (RulesFileWatcher w = new RulesFileWatcher(file, Duration.ofMillis(100))) {
            assertThat(capacity(w)).isEqualTo(20);

            // same size, possibly the same mtime: only the content hash tells them apart
            Files.writeString(file, rules(30));
            awaitCapacity(w, 30);

            Files.writeString(file, "{ not json");
            Thread.sleep(400);
            assertThat(capacity(w)).isEqualTo(30);

            Files.delete(file);
            Thread.sleep(400);
            assertThat(capacity(w)).isEqualTo(30);

            Files.writeString(file, rules(7));
            awaitCapacity(w, 7);
        }
    }

    @Test
    void checkNowIsSynchronous() throws Exception {
        Path file = dir.resolve("r.json");
        Files.writeString(file, rules(20));
        try (RulesFileWatcher w = new RulesFileWatcher(file, Duration.ofHours(1))) {
            Files.writeString(file, rules(21));
            w.checkNow();
            assertThat(capacity(w)).isEqualTo(21);
        }
    }

    private static void awaitCapacity(RulesFileWatcher w, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (capacity(w) != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(capacity(w)).isEqualTo(expected);
    }
}
