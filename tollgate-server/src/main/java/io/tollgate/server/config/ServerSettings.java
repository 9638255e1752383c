package io.tollgate.server.config;

import io.tollgate.core.identity.CidrRange;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the original service's environment variables ({@code REDIS_HOST}, {@code PORT}, ...), and envoyproxy/ratelimit's
 * ({@code GRPC_PORT}, {@code REDIS_TYPE}, ...), into Spring properties ({@code tollgate.redis.host}, {@code server.port},
 * {@code tollgate.envoy.grpc-port}, ...), validating every value on the way; which variable sets which property, and
 * how it is checked, is the table {@link ServerVariable}. A value whose meaning depends on other variables (the Redis
 * address) is checked together with them, whatever their order in the file.
 *
 * <p>Values come from the {@code .env} file and from the real environment; a real environment variable always wins
 * over the file. A blank value counts as unset. Variables this class does not know are ignored, so a shared
 * {@code .env} may hold other things too.
 *
 * <p>Contract: {@link #resolve} either returns properties that will bind cleanly, or throws a
 * {@link ServerConfigException} whose message names the variable, where it was set, the value (masked for secrets) and
 * what is accepted.
 */
public final class ServerSettings {

    /** Environment variable naming an alternative {@code .env} file; the default is {@code .env} in the working directory. */
    public static final String DOTENV_PATH = "DOTENV_PATH";

    /** Every variable the server understands, in the order {@code .env.example} documents them ({@link ServerVariable}). */
    public static final List<String> VARIABLES = ServerVariable.names();

    private final DotenvFile file;
    private final Map<String, String> env;

    private ServerSettings(DotenvFile file, Map<String, String> env) {
        this.file = file;
        this.env = env;
    }

    /**
     * Reads the {@code .env} file (from {@code DOTENV_PATH}, else {@code .env} under {@code workingDir}) and the real
     * environment {@code realEnv}, and returns the Spring properties they stand for.
     *
     * @param realEnv    the process environment (injectable for tests)
     * @param workingDir where a relative {@code .env} path is resolved
     * @throws ServerConfigException on any unreadable file, bad line or bad value
     */
    public static Map<String, Object> resolve(Map<String, String> realEnv, Path workingDir) {
        String custom = blankToNull(realEnv.get(DOTENV_PATH));
        Path path = workingDir.resolve(custom != null ? custom : ".env");
        if (custom != null && !java.nio.file.Files.exists(path)) {
            throw new ServerConfigException(DOTENV_PATH, "DOTENV_PATH (from the environment) names the environment file \""
                    + custom + "\" but " + path.toAbsolutePath().normalize() + " does not exist. Create it, or unset DOTENV_PATH to use ./.env.");
        }
        return resolve(DotenvFile.read(path), realEnv);
    }

    /** Like {@link #resolve(Map, Path)} with an already parsed file. */
    public static Map<String, Object> resolve(DotenvFile file, Map<String, String> realEnv) {
        return new ServerSettings(file, realEnv).toProperties();
    }

    private Map<String, Object> toProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        for (ServerVariable variable : ServerVariable.values()) {
            VariableValue value = valueOf(variable);
            if (value != null) {
                variable.convert(value, p);
            }
        }
        return p;
    }

    /** A variable's effective value and origin, or null when it is unset; through it a conversion reads the others. */
    private VariableValue valueOf(ServerVariable variable) {
        String raw = value(variable.name());
        return raw == null ? null : new VariableValue(variable, raw, origin(variable.name()), this::valueOf);
    }

    /** The effective value of a variable: the real environment first, then the file; blank means unset. */
    private String value(String name) {
        String real = blankToNull(env.get(name));
        return real != null ? real.strip() : blankToNull(file.values().get(name));
    }

    private String origin(String name) {
        if (blankToNull(env.get(name)) != null) {
            return "from the environment";
        }
        return "from " + file.source() + " line " + file.lineOf(name);
    }

    /** Splits and checks a comma-separated CIDR list; a bare address means a single host (/32 or /128). */
    static String cidrs(VariableValue list) {
        List<String> out = new ArrayList<>();
        for (String part : list.raw().split(",")) {
            String cidr = part.strip();
            if (cidr.isEmpty()) {
                continue;
            }
            if (!validCidr(cidr)) {
                throw list.invalid("a comma-separated list of IP addresses or CIDR ranges such as "
                        + "10.0.0.0/8,192.168.1.10,fd00::/8; \"" + cidr + "\" is not one");
            }
            out.add(cidr);
        }
        return String.join(",", out);
    }

    /** The same parser the starter uses for {@code tollgate.trusted-proxies}: literals only, never a DNS lookup. */
    static boolean validCidr(String cidr) {
        try {
            CidrRange.parse(cidr);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
