package io.tollgate.bench;

import java.io.File;

/** Finds executables on the PATH. */
final class Procs {

    private Procs() {
    }

    /** The first executable {@code name} on the {@code PATH}, or null. */
    static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}
