package io.tollgate.envoy.config;

import java.util.Objects;

/**
 * One reason a configuration file was rejected.
 *
 * @param file           the file as the loader names it (never {@code null})
 * @param descriptorPath where the descriptor sits in the file, such as {@code descriptors[1].descriptors[0]}, or
 *                       {@code null} for a problem outside any descriptor
 * @param keyChain       the same descriptor as envoyproxy/ratelimit names it, domain and composite keys joined with
 *                       dots, such as {@code messaging.message_type_marketing.to_number}; {@code null} when unknown
 * @param field          the field concerned relative to the descriptor (or the file), such as
 *                       {@code rate_limit.unit}, or {@code null}
 * @param line           one-based line in the file, or 0 when the parser gave none
 * @param message        what is wrong; where envoyproxy/ratelimit rejects the same thing its wording is kept
 */
public record EnvoyConfigProblem(String file, String descriptorPath, String keyChain, String field, int line,
                                 String message) {

    public EnvoyConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /**
     * The problem as one line, for example {@code basic.yaml: descriptor descriptors[1].descriptors[0]
     * (test-domain.key1_value1.subkey), field "rate_limit.unit", line 7: invalid rate limit unit 'foo'}.
     */
    public String render() {
        StringBuilder sb = new StringBuilder(file).append(": ");
        String sep = "";
        if (descriptorPath != null) {
            sb.append("descriptor ").append(descriptorPath);
            if (keyChain != null) {
                sb.append(" (").append(keyChain).append(')');
            }
            sep = ", ";
        }
        if (field != null) {
            sb.append(sep).append("field \"").append(field).append('"');
            sep = ", ";
        }
        if (line > 0) {
            sb.append(sep).append("line ").append(line);
            sep = ", ";
        }
        return sb.append(sep.isEmpty() ? "" : ": ").append(message).toString();
    }
}
