package io.tollgate.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotenvFileTest {

    private static DotenvFile parse(String... lines) {
        return DotenvFile.parse(".env", List.of(lines));
    }

    @Test
    void readsPlainQuotedExportedAndCommentedLines() {
        DotenvFile f = parse(
                "# Redis",
                "",
                "REDIS_HOST=localhost",
                "  REDIS_PORT = 6380  ",
                "export REDIS_DB=2",
                "REDIS_PASSWORD=\"p#ss word\" # trailing comment",
                "SINGLE='literal \\n $x'",
                "DOUBLE=\"a\\nb \\\"q\\\"\"",
                "INLINE=value # comment",
                "HASH=abc#def",
                "EMPTY=",
                "EQUALS=a=b");
        assertThat(f.values()).containsEntry("REDIS_HOST", "localhost")
                .containsEntry("REDIS_PORT", "6380")
                .containsEntry("REDIS_DB", "2")
                .containsEntry("REDIS_PASSWORD", "p#ss word")
                .containsEntry("SINGLE", "literal \\n $x")
                .containsEntry("DOUBLE", "a\nb \"q\"")
                .containsEntry("INLINE", "value")
                .containsEntry("HASH", "abc#def")
                .containsEntry("EMPTY", "")
                .containsEntry("EQUALS", "a=b");
        assertThat(f.lineOf("REDIS_DB")).isEqualTo(5);
    }

    @Test
    void laterDuplicateWins() {
        assertThat(parse("PORT=1", "PORT=2").values()).containsEntry("PORT", "2");
    }

    @Test
    void lineWithoutEqualsNamesFileAndLine() {
        assertThatThrownBy(() -> parse("PORT=8000", "this is not valid"))
                .isInstanceOf(ServerConfigException.class)
                .hasMessageContaining(".env has a syntax error on line 2")
                .hasMessageContaining("expected KEY=VALUE")
                .hasMessageContaining("\"this is not valid\"");
    }

    @Test
    void badKeyAndUnclosedQuoteAreRejected() {
        assertThatThrownBy(() -> parse("1PORT=8000")).hasMessageContaining("\"1PORT\" is not a valid variable name");
        assertThatThrownBy(() -> parse("REDIS_PASSWORD=\"secret"))
                .hasMessageContaining("line 1")
                .hasMessageContaining("REDIS_PASSWORD has an opening \" quote but no closing one")
                .hasMessageNotContaining("secret\"");
        assertThatThrownBy(() -> parse("A=\"x\" y")).hasMessageContaining("text after the closing quote");
    }

    @Test
    void secretLookingBadLineIsNotEchoed() {
        assertThatThrownBy(() -> parse("redis://user:hunter2@host"))
                .hasMessageContaining("line 1")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> parse("REDIS_AUTH hunter2"))
                .hasMessageContaining("line 1")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void missingFileIsEmptyAndByteOrderMarkIsIgnored(@TempDir Path dir) throws Exception {
        assertThat(DotenvFile.read(dir.resolve(".env")).values()).isEmpty();
        Path env = dir.resolve(".env");
        Files.writeString(env, "\uFEFFPORT=9000\n");
        assertThat(DotenvFile.read(env).values()).containsEntry("PORT", "9000");
    }
}
