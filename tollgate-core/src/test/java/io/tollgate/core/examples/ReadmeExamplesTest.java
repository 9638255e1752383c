package io.tollgate.core.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Java examples are real code: every fenced {@code java} block whose first line names a source file
 * ({@code // tollgate-core/src/test/java/...}) must equal that file's lines between {@code // README-BEGIN} and
 * {@code // README-END} (indentation aside). Any other fenced block right below a line
 * {@code <!-- example: <path> -->} must equal that whole file (rules files, configuration). Those files are compiled,
 * loaded and run by their modules' tests, so a README example that stops compiling or working fails the build.
 */
class ReadmeExamplesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile("```java\\n// ([\\w./-]+\\.java)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern MARKED = Pattern.compile("<!-- example: ([\\w./-]+) -->\\n```\\w*\\n(.*?)```",
            Pattern.DOTALL);

    @Test
    void everyNamedJavaBlockMatchesItsSource() throws IOException {
        checkBlocks(BLOCK, (block, file) -> assertThat(dedent(block)).isEqualTo(dedent(region(file))));
    }

    @Test
    void everyMarkedBlockEqualsItsFile() throws IOException {
        checkBlocks(MARKED, (block, file) -> assertThat(block.strip()).isEqualTo(Files.readString(file).strip()));
    }

    /** How one README block is held against the file it names. */
    private interface BlockCheck {
        void check(String block, Path file) throws IOException;
    }

    /** Every block of {@code pattern} (group 1 the file, group 2 the block): its file exists and passes the check. */
    private static void checkBlocks(Pattern pattern, BlockCheck check) throws IOException {
        Matcher m = pattern.matcher(Files.readString(ROOT.resolve("README.md")));
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            Path file = ROOT.resolve(m.group(1));
            assertThat(file).as("README names " + m.group(1)).exists();
            try {
                check.check(m.group(2), file);
            } catch (AssertionError e) {
                throw new AssertionError("README block of " + m.group(1) + ": " + e.getMessage(), e);
            }
            checked.add(m.group(1));
        }
        assertThat(checked).as("README examples checked").isNotEmpty();
    }

    private static String region(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        StringBuilder sb = new StringBuilder();
        boolean in = false;
        for (String line : lines) {
            if (line.strip().equals("// README-END")) {
                in = false;
            }
            if (in) {
                sb.append(line).append('\n');
            }
            if (line.strip().equals("// README-BEGIN")) {
                in = true;
            }
        }
        return sb.toString();
    }

    private static String dedent(String text) {
        List<String> lines = text.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString().strip();
    }
}
