package io.tollgate.envoy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads one YAML document into a {@link YamlNode} tree that keeps the line of every value.
 *
 * <p>Stricter than gopkg.in/yaml.v2 in two places, both reported as errors rather than silently resolved: a key that
 * appears twice in one mapping (yaml.v2 keeps the last one), and a second document after {@code ---} (yaml.v2 reads the
 * first and ignores the rest).
 */
final class YamlDocument {

    private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

    private YamlDocument() {
    }

    /**
     * Parses {@code text}.
     *
     * @return the document's root, or {@code null} for an empty document
     * @throws EnvoyConfigException naming {@code file} and the line on bad YAML
     */
    static YamlNode read(String text, String file) {
        try (JsonParser p = MAPPER.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return null;
            }
            YamlNode root = value(p, file);
            if (p.nextToken() != null) {
                throw new EnvoyConfigException(new EnvoyConfigProblem(file, null, null, null, line(p),
                        "a second YAML document starts here; a config file holds exactly one (one domain per file)"));
            }
            return root;
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String detail = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
            throw new EnvoyConfigException(new EnvoyConfigProblem(file, null, null, null, line,
                    "error loading config file: invalid YAML: " + statements(detail)), e);
        }
    }

    /** The value whose first token is the parser's current one; leaves the parser on its last token. */
    private static YamlNode value(JsonParser p, String file) {
        int line = line(p);
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode.Member> members = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                int nameLine = line(p);
                if (members.containsKey(name)) {
                    throw new EnvoyConfigException(new EnvoyConfigProblem(file, null, null, name, nameLine,
                            "key '" + name + "' appears twice in one mapping (first at line "
                                    + members.get(name).line() + ")"));
                }
                p.nextToken();
                members.put(name, new YamlNode.Member(name, nameLine, value(p, file)));
            }
            return new YamlNode.Mapping(members, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(value(p, file));
            }
            return new YamlNode.Sequence(items, line);
        }
        return new YamlNode.Scalar(t, t == JsonToken.VALUE_NULL ? "" : p.getString(), line);
    }

    private static int line(JsonParser p) {
        TokenStreamLocation loc = p.currentTokenLocation();
        return loc == null ? 0 : loc.getLineNr();
    }

    /**
     * SnakeYAML's messages span several lines: statements at the start of a line, each followed by indented location
     * and source excerpt lines. The statements say what is wrong; the line is reported separately.
     */
    private static String statements(String message) {
        List<String> kept = new ArrayList<>();
        for (String l : message.split("\n")) {
            if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
                kept.add(l.strip());
            }
        }
        return kept.isEmpty() ? message.strip() : String.join("; ", kept);
    }
}
