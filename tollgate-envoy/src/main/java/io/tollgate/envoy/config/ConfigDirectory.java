package io.tollgate.envoy.config;

import io.tollgate.core.rules.RulesFileWatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * The configuration folder: every regular file in it and in its subfolders is one domain, as goruntime reads it.
 *
 * <p>A symlink to a file counts as that file; a symlink to a folder is not followed (goruntime walks with
 * {@code lstat} too). With {@code ignoreDotFiles} (envoyproxy/ratelimit's {@code RUNTIME_IGNOREDOTFILES}) files and
 * folders whose names start with a dot are skipped; without it they are read, so a Kubernetes ConfigMap mount, whose
 * {@code ..data} folder holds every file a second time, needs that setting there as here. The path to the folder may
 * pass through a symlink ({@code RUNTIME_ROOT}); it is resolved anew on every read, so a swap is seen.
 *
 * <p>Files are read in the order of their paths, so messages and "first problem" are stable.
 */
public final class ConfigDirectory {

    /** A file's path as messages name it, and its bytes. */
    public record ConfigFile(String name, byte[] content) {
    }

    /** What a read found: the files and one digest over names and contents, to tell whether anything changed. */
    public record Contents(List<ConfigFile> files, byte[] digest) {

        public boolean sameAs(Contents other) {
            return other != null && Arrays.equals(digest, other.digest);
        }
    }

    private final Path directory;
    private final boolean ignoreDotFiles;

    public ConfigDirectory(Path directory, boolean ignoreDotFiles) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.ignoreDotFiles = ignoreDotFiles;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Reads and validates every file together.
     *
     * @throws EnvoyConfigException if the folder cannot be read or any file is invalid, with the first problem of each
     *                              bad file and every domain defined twice
     */
    public EnvoyConfig load() {
        return parse(read());
    }

    /**
     * Reads every file's bytes.
     *
     * @throws EnvoyConfigException naming the folder when it is missing or unreadable, or a file that is too large
     */
    public Contents read() {
        String dirName = directory.toString();
        if (!Files.isDirectory(directory)) {
            throw new EnvoyConfigException(new EnvoyConfigProblem(dirName, null, null, null, 0,
                    "configuration folder not found (RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY)"));
        }
        List<Path> paths = new ArrayList<>();
        try {
            Files.walkFileTree(directory, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            return !dir.equals(directory) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE
                                    : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            // attrs are the link's own; Files.isRegularFile follows it, as Go's ReadFile does
                            if (!hidden(file) && Files.isRegularFile(file)) {
                                paths.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
            paths.sort(Comparator.comparing(p -> directory.relativize(p).toString()));
            List<ConfigFile> files = new ArrayList<>();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : paths) {
                if (Files.size(p) > RulesFileWatcher.MAX_FILE_BYTES) {
                    throw new EnvoyConfigException(new EnvoyConfigProblem(p.toString(), null, null, null, 0,
                            "file is larger than " + RulesFileWatcher.MAX_FILE_BYTES + " bytes"));
                }
                byte[] content = Files.readAllBytes(p);
                String name = p.toString();
                sha.update(name.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Long.toString(content.length).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(content);
                files.add(new ConfigFile(name, content));
            }
            return new Contents(List.copyOf(files), sha.digest());
        } catch (IOException | UncheckedIOException e) {
            throw new EnvoyConfigException(new EnvoyConfigProblem(dirName, null, null, null, 0,
                    "configuration folder cannot be read: " + e.getMessage()), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /**
     * Parses files read before: each on its own, then together. The whole set is rejected if anything is wrong.
     *
     * @throws EnvoyConfigException with the first problem of every bad file, and every domain defined twice
     */
    public static EnvoyConfig parse(Contents contents) {
        List<EnvoyDomain> domains = new ArrayList<>();
        List<EnvoyConfigProblem> problems = new ArrayList<>();
        for (ConfigFile f : contents.files()) {
            try {
                domains.add(EnvoyConfigParser.parse(f.name(), utf8(f)));
            } catch (EnvoyConfigException e) {
                problems.addAll(e.problems());
            }
        }
        try {
            EnvoyConfig config = EnvoyConfig.of(domains);
            if (problems.isEmpty()) {
                return config;
            }
        } catch (EnvoyConfigException e) {
            problems.addAll(e.problems());
        }
        throw new EnvoyConfigException(problems, null);
    }

    private static String utf8(ConfigFile f) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(f.content())).toString();
        } catch (CharacterCodingException e) {
            throw new EnvoyConfigException(new EnvoyConfigProblem(f.name(), null, null, null, 0,
                    "file is not valid UTF-8"), e);
        }
    }

    private boolean hidden(Path p) {
        return ignoreDotFiles && p.getFileName() != null && p.getFileName().toString().startsWith(".");
    }

    @Override
    public String toString() {
        return directory.toString();
    }
}
