package io.tollgate.envoy.config;

/**
 * One key/value pair of a request's rate-limit descriptor, as Envoy sends it. A {@code null} key or value counts as the
 * empty string, the proto3 default.
 */
public record DescriptorEntry(String key, String value) {

    public DescriptorEntry {
        key = key == null ? "" : key;
        value = value == null ? "" : value;
    }

    public static DescriptorEntry of(String key, String value) {
        return new DescriptorEntry(key, value);
    }
}
