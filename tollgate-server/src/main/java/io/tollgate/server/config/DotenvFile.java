package io.tollgate.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed {@code .env} file: {@code KEY=VALUE} lines as the original service read them.
 *
 * <p>Accepted syntax, line by line:
 * <ul>
 *   <li>blank lines and lines whose first non-blank character is {@code #} are ignored;</li>
 *   <li>an optional {@code export } prefix is dropped, so the file can also be sourced by a shell;</li>
 *   <li>keys are {@code [A-Za-z_][A-Za-z0-9_]*}; whitespace around the key and the value is trimmed;</li>
 *   <li>a value may be wrapped in double quotes (with {@code \n}, {@code \t}, {@code \"}, {@code \\} escapes) or in
 *       single quotes (taken literally); after the closing quote only whitespace and a {@code #} comment may follow;</li>
 *   <li>in an unquoted value, a {@code #} preceded by whitespace starts a comment;</li>
 *   <li>a key given twice keeps its last value, as in a shell.</li>
 * </ul>
 * Anything else is a {@link ServerConfigException} naming the file and line. Values are never echoed for keys that
 * look secret ({@code PASSWORD}, {@code AUTH}, {@code URL}), since a {@code REDIS_URL} may embed credentials.
 */
public final class DotenvFile {

    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String source;
    private final Map<String, String> values;
    private final Map<String, Integer> lines;

    private DotenvFile(String source, Map<String, String> values, Map<String, Integer> lines) {
        this.source = source;
        this.values = Collections.unmodifiableMap(values);
        this.lines = Collections.unmodifiableMap(lines);
    }

    /** An empty file, for when there is no {@code .env}. */
    public static DotenvFile empty(String source) {
        return new DotenvFile(source, new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /**
     * Reads and parses {@code file}; a missing file is an {@link #empty} one (the {@code .env} file is optional).
     *
     * @throws ServerConfigException if the file exists but cannot be read or has a line that is not {@code KEY=VALUE}
     */
    public static DotenvFile read(Path file) {
        String source = file.toAbsolutePath().normalize().toString();
        if (!Files.exists(file)) {
            return empty(source);
        }
        try {
            return parse(source, Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ServerConfigException(null, "Cannot read the environment file " + source + ": " + e.getMessage()
                    + ". Fix its permissions or encoding (UTF-8 expected), or remove it.");
        }
    }

    /**
     * Parses the lines of a file.
     *
     * @param source the file name used in error messages
     * @throws ServerConfigException naming {@code source} and the line number of the first bad line
     */
    public static DotenvFile parse(String source, List<String> fileLines) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Integer> lineNumbers = new LinkedHashMap<>();
        for (int i = 0; i < fileLines.size(); i++) {
            int lineNo = i + 1;
            String line = fileLines.get(i);
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // editors on Windows like to add a byte-order mark
            }
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.startsWith("export ") || trimmed.startsWith("export\t")) {
                trimmed = trimmed.substring("export".length()).strip();
            }
            int eq = trimmed.indexOf('=');
            if (eq < 0) {
                throw bad(source, lineNo, "expected KEY=VALUE (for example REDIS_HOST=localhost) but the line has no '='"
                        + quoteIfSafe(trimmed));
            }
            String key = trimmed.substring(0, eq).strip();
            if (!KEY.matcher(key).matches()) {
                throw bad(source, lineNo, "\"" + key + "\" is not a valid variable name (letters, digits and '_', not starting with a digit)");
            }
            String value;
            try {
                value = parseValue(trimmed.substring(eq + 1).strip());
            } catch (IllegalArgumentException e) {
                throw bad(source, lineNo, "the value of " + key + " " + e.getMessage());
            }
            values.put(key, value);
            lineNumbers.put(key, lineNo);
        }
        return new DotenvFile(source, values, lineNumbers);
    }

    private static String parseValue(String raw) {
        if (raw.isEmpty()) {
            return "";
        }
        char first = raw.charAt(0);
        if (first != '"' && first != '\'') {
            return stripInlineComment(raw);
        }
        StringBuilder out = new StringBuilder();
        int i = 1;
        boolean closed = false;
        for (; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == first) {
                closed = true;
                i++;
                break;
            }
            if (first == '"' && c == '\\' && i + 1 < raw.length()) {
                char next = raw.charAt(++i);
                switch (next) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case '"', '\\', '$' -> out.append(next);
                    default -> out.append('\\').append(next);
                }
                continue;
            }
            out.append(c);
        }
        if (!closed) {
            throw new IllegalArgumentException("has an opening " + first + " quote but no closing one");
        }
        String rest = raw.substring(i).strip();
        if (!rest.isEmpty() && !rest.startsWith("#")) {
            throw new IllegalArgumentException("has text after the closing quote; put it inside the quotes or after a '#'");
        }
        return out.toString();
    }

    private static String stripInlineComment(String raw) {
        for (int i = 1; i < raw.length(); i++) {
            if (raw.charAt(i) == '#' && Character.isWhitespace(raw.charAt(i - 1))) {
                return raw.substring(0, i).strip();
            }
        }
        return raw;
    }

    private static String quoteIfSafe(String line) {
        // The bad line could be a secret pasted without its key; only echo short lines that look harmless.
        String upper = line.toUpperCase(java.util.Locale.ROOT);
        if (line.length() > 60 || upper.contains("PASS") || upper.contains("AUTH") || upper.contains("://")) {
            return "";
        }
        return ": \"" + line + "\"";
    }

    private static ServerConfigException bad(String source, int lineNo, String problem) {
        return new ServerConfigException(null, "The environment file " + source + " has a syntax error on line " + lineNo
                + ": " + problem + ". Each line must be KEY=VALUE, a blank line, or a comment starting with '#'.");
    }

    /** Where the values came from, for messages. */
    public String source() {
        return source;
    }

    /** The parsed variables, in file order. */
    public Map<String, String> values() {
        return values;
    }

    /** The line a variable was (last) set on, or {@code -1}. */
    public int lineOf(String key) {
        return lines.getOrDefault(key, -1);
    }
}
