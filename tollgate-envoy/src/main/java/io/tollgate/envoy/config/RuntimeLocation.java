package io.tollgate.envoy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where envoyproxy/ratelimit looks for its configuration files, named as its environment variables are (the server
 * maps those variables onto {@code tollgate.envoy.runtime-*}):
 * {@code RUNTIME_ROOT} (default {@code /srv/runtime_data/current}) / {@code RUNTIME_SUBDIRECTORY} /
 * {@code RUNTIME_APPDIRECTORY} (default {@code config}), and {@code RUNTIME_IGNOREDOTFILES} (default false).
 *
 * <p>{@code RUNTIME_WATCH_ROOT} needs no setting here: Tollgate polls the directory, which sees both a swap of the
 * {@code RUNTIME_ROOT} symlink and an edit inside the folder. Where Go differs: with an empty
 * {@code RUNTIME_SUBDIRECTORY} Go loads nothing at all (goruntime's nil loader); Tollgate then reads
 * {@code RUNTIME_ROOT/RUNTIME_APPDIRECTORY}. And with {@code RUNTIME_WATCH_ROOT=true} Go also loads files directly in
 * {@code RUNTIME_ROOT/RUNTIME_SUBDIRECTORY} whose names start with {@code config.}; Tollgate reads only the folder.
 *
 * @param root           {@code RUNTIME_ROOT}
 * @param subdirectory   {@code RUNTIME_SUBDIRECTORY}, "" when unset
 * @param appDirectory   {@code RUNTIME_APPDIRECTORY}
 * @param ignoreDotFiles {@code RUNTIME_IGNOREDOTFILES}: skip files and folders whose names start with a dot
 */
public record RuntimeLocation(Path root, String subdirectory, String appDirectory, boolean ignoreDotFiles) {

    public static final String DEFAULT_ROOT = "/srv/runtime_data/current";
    public static final String DEFAULT_APP_DIRECTORY = "config";

    public RuntimeLocation {
        Objects.requireNonNull(root, "root");
        subdirectory = subdirectory == null ? "" : subdirectory;
        appDirectory = appDirectory == null || appDirectory.isEmpty() ? DEFAULT_APP_DIRECTORY : appDirectory;
    }

    /** The folder whose every regular file (subfolders included) is a configuration file. */
    public Path configDirectory() {
        Path base = subdirectory.isEmpty() ? root : root.resolve(subdirectory);
        return base.resolve(appDirectory);
    }

    /** The directory source for this location. */
    public ConfigDirectory directory() {
        return new ConfigDirectory(configDirectory(), ignoreDotFiles);
    }
}
