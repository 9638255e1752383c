package io.tollgate.envoy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime folder: every file one domain, validated as a set, reloaded as a set. */
class ConfigDirectoryTest {

    @TempDir
    Path tmp;

    private static String domain(String name, int rpu) {
        return "domain: " + name + "\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: "
                + rpu + "}\n";
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static long rpu(EnvoyConfig c, String domain) {
        return c.match(domain, java.util.List.of(DescriptorEntry.of("k", "v"))).orElseThrow().rule().requestsPerUnit();
    }

    @Test
    void pathIsRootThenSubdirectoryThenAppDirectory() {
        assertThat(new RuntimeLocation(Path.of("/data"), "ratelimit", null, false).configDirectory())
                .isEqualTo(Path.of("/data/ratelimit/config"));
        assertThat(new RuntimeLocation(Path.of(RuntimeLocation.DEFAULT_ROOT), "", "", false).configDirectory())
                .isEqualTo(Path.of("/srv/runtime_data/current/config"));
        assertThat(new RuntimeLocation(Path.of("/r"), "s", "rl", true).configDirectory()).isEqualTo(Path.of("/r/s/rl"));
    }

    @Test
    void everyRegularFileIsOneDomainSubfoldersAndDotfilesIncluded() throws IOException {
        Path dir = tmp.resolve("ratelimit/config");
        write(dir.resolve("a.yaml"), domain("a", 1));
        write(dir.resolve("sub/b.conf"), domain("b", 2));
        write(dir.resolve(".hidden"), domain("c", 3));
        Files.createSymbolicLink(dir.resolve("linked.yaml"), Files.writeString(tmp.resolve("elsewhere.yaml"), domain("d", 4)));
        Files.createDirectories(tmp.resolve("otherdir"));
        write(tmp.resolve("otherdir/e.yaml"), domain("e", 5));
        Files.createSymbolicLink(dir.resolve("dirlink"), tmp.resolve("otherdir")); // not followed, as in goruntime

        EnvoyConfig all = new ConfigDirectory(dir, false).load();
        assertThat(all.domainNames()).containsExactly("c", "a", "d", "b"); // path order: .hidden, a, linked, sub/b
        assertThat(rpu(all, "b")).isEqualTo(2);

        EnvoyConfig visible = new RuntimeLocation(tmp, "ratelimit", "config", true).directory().load();
        assertThat(visible.domainNames()).containsExactlyInAnyOrder("a", "b", "d");
    }

    @Test
    void oneBadFileRejectsTheWholeSetNamingEveryBadFile() throws IOException {
        Path dir = tmp.resolve("config");
        write(dir.resolve("good.yaml"), domain("good", 1));
        write(dir.resolve("bad_unit.yaml"), "domain: x\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight}\n");
        write(dir.resolve("dup.yaml"), domain("good", 2));
        EnvoyConfigException e = catchThrowableOfType(EnvoyConfigException.class,
                () -> new ConfigDirectory(dir, false).load());
        assertThat(e.problems()).hasSize(2);
        assertThat(e.file()).isEqualTo(dir.resolve("bad_unit.yaml").toString());
        assertThat(e.problem()).startsWith("invalid rate limit unit 'fortnight'");
        assertThat(e.problems().get(1).file()).isEqualTo(dir.resolve("good.yaml").toString());
        assertThat(e.problems().get(1).message()).startsWith("duplicate domain 'good' in config file (also in ")
                .contains("dup.yaml");
        assertThat(e.getMessage()).contains("bad_unit.yaml").contains("(and 1 more:").contains("duplicate domain");
    }

    @Test
    void aMissingFolderOrNonUtf8FileIsAnError() throws IOException {
        assertThat(catchThrowableOfType(EnvoyConfigException.class,
                () -> new ConfigDirectory(tmp.resolve("nope"), false).load()).problem())
                .startsWith("configuration folder not found");
        Path dir = tmp.resolve("config");
        Files.createDirectories(dir);
        Files.write(dir.resolve("latin1.yaml"), new byte[] {'d', 'o', 'm', 'a', 'i', 'n', ':', ' ', (byte) 0xe9});
        assertThat(catchThrowableOfType(EnvoyConfigException.class, () -> new ConfigDirectory(dir, false).load())
                .problem()).isEqualTo("file is not valid UTF-8");
    }

    @Test
    void anEmptyFolderIsAnEmptyConfiguration() throws IOException {
        Files.createDirectories(tmp.resolve("config"));
        assertThat(new ConfigDirectory(tmp.resolve("config"), false).load().isEmpty()).isTrue();
    }

    @Test
    void watcherReloadsAnEditAndKeepsTheOldSetWhenTheNewOneIsInvalid() throws Exception {
        Path dir = tmp.resolve("config");
        write(dir.resolve("a.yaml"), domain("a", 1));
        try (EnvoyConfigWatcher w = new EnvoyConfigWatcher(new ConfigDirectory(dir, false), Duration.ofMillis(20))) {
            assertThat(rpu(w.current(), "a")).isEqualTo(1);
            assertThat(w.loadSuccesses()).isEqualTo(1);

            write(dir.resolve("a.yaml"), domain("a", 2));
            awaitTrue(() -> rpu(w.current(), "a") == 2);

            EnvoyConfig before = w.current();
            write(dir.resolve("b.yaml"), "domain: b\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, unlimited: true}\n");
            awaitTrue(() -> w.loadErrors() == 1);
            assertThat(w.current()).isSameAs(before);
            w.checkNow(); // the same broken set is not counted twice
            assertThat(w.loadErrors()).isEqualTo(1);

            Files.delete(dir.resolve("b.yaml"));
            awaitTrue(() -> w.current() != before);
            assertThat(w.current().domainNames()).containsExactly("a");
            assertThat(w.loadSuccesses()).isEqualTo(3);
        }
    }

    @Test
    void watcherFollowsASwapOfTheRuntimeRootSymlink() throws Exception {
        write(tmp.resolve("v1/ratelimit/config/a.yaml"), domain("a", 1));
        write(tmp.resolve("v2/ratelimit/config/a.yaml"), domain("a", 9));
        write(tmp.resolve("v3/ratelimit/config/a.yaml"), "domain: a\ndescriptors:\n  - value: no-key\n");
        Path current = tmp.resolve("current");
        Files.createSymbolicLink(current, tmp.resolve("v1"));
        RuntimeLocation location = new RuntimeLocation(current, "ratelimit", "config", false);
        try (EnvoyConfigWatcher w = new EnvoyConfigWatcher(location.directory(), Duration.ofMillis(20))) {
            assertThat(rpu(w.current(), "a")).isEqualTo(1);
            swap(current, tmp.resolve("v2"));
            awaitTrue(() -> rpu(w.current(), "a") == 9);
            swap(current, tmp.resolve("v3"));
            awaitTrue(() -> w.loadErrors() == 1);
            assertThat(rpu(w.current(), "a")).isEqualTo(9);
        }
    }

    @Test
    void watcherRefusesToStartOnAnInvalidSet() throws IOException {
        write(tmp.resolve("config/a.yaml"), "domain: \n");
        assertThat(catchThrowableOfType(EnvoyConfigException.class,
                () -> new EnvoyConfigWatcher(new ConfigDirectory(tmp.resolve("config"), false))).problem())
                .isEqualTo("config file cannot have empty domain");
    }

    /** Atomic swap as deployments do it: a new link beside the old one, renamed over it. */
    private static void swap(Path link, Path target) throws IOException {
        Path next = link.resolveSibling(link.getFileName() + ".next");
        Files.createSymbolicLink(next, target);
        Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(10);
        }
    }
}
