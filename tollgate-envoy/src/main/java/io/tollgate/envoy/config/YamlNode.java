package io.tollgate.envoy.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonToken;

/**
 * A YAML value with the line it starts on, as {@link YamlDocument} reads it. Jackson's tree model drops locations, and
 * every configuration error has to name its line, so the loader works on this small tree instead.
 */
sealed interface YamlNode {

    /** One-based line where the value starts. */
    int line();

    /** A mapping, members in file order. */
    record Mapping(Map<String, Member> members, int line) implements YamlNode {
        public Mapping {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }
    }

    /** One key of a mapping: its name, the line of the name, and its value. */
    record Member(String name, int line, YamlNode value) {
    }

    /** A sequence. */
    record Sequence(List<YamlNode> items, int line) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }
    }

    /**
     * A scalar as Jackson typed it: {@code VALUE_STRING}, {@code VALUE_NUMBER_INT}, {@code VALUE_NUMBER_FLOAT},
     * {@code VALUE_TRUE}, {@code VALUE_FALSE} or {@code VALUE_NULL}; {@code text} is the scalar as written.
     */
    record Scalar(JsonToken token, String text, int line) implements YamlNode {

        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isFloat() {
            return token == JsonToken.VALUE_NUMBER_FLOAT;
        }
    }
}
