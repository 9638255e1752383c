package io.tollgate.server.config;

import io.tollgate.core.identity.CidrRange;
import io.tollgate.core.rules.FailurePolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns the original service's environment variables ({@code REDIS_HOST}, {@code PORT}, ...) into Spring properties
 * ({@code tollgate.redis.host}, {@code server.port}, ...), validating every value on the way.
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

    /** Every variable the server understands, in the order {@code .env.example} documents them. */
    public static final List<String> VARIABLES = List.of("PORT", "RATE_LIMIT_RULES_PATH", "REDIS_URL", "REDIS_HOST",
            "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD", "REDIS_REQUIRED_AT_STARTUP", "TRUSTED_PROXIES", "LOG_FORMAT",
            "MASK_CLIENT_KEYS", "FAILURE_POLICY", "EXPECTED_INSTANCES");

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\[\\]-]+");

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
        String port = value("PORT");
        if (port != null) {
            p.put("server.port", intInRange("PORT", port, 0, 65535, "a TCP port from 0 to 65535 (0 picks a free port)"));
        }
        String rules = value("RATE_LIMIT_RULES_PATH");
        if (rules != null) {
            p.put("tollgate.rules-file", rules);
        }
        String url = value("REDIS_URL");
        if (url != null) {
            p.put("tollgate.redis.url", redisUrl(url));
        }
        String host = value("REDIS_HOST");
        if (host != null) {
            if (!HOST.matcher(host).matches()) {
                throw invalid("REDIS_HOST", host, "a host name or IP address such as localhost, redis or 10.0.0.5");
            }
            p.put("tollgate.redis.host", host);
        }
        String redisPort = value("REDIS_PORT");
        if (redisPort != null) {
            p.put("tollgate.redis.port", intInRange("REDIS_PORT", redisPort, 1, 65535, "a TCP port from 1 to 65535, usually 6379"));
        }
        String db = value("REDIS_DB");
        if (db != null) {
            p.put("tollgate.redis.database", intInRange("REDIS_DB", db, 0, Integer.MAX_VALUE, "a Redis database number, 0 or more (usually 0 to 15)"));
        }
        String password = value("REDIS_PASSWORD");
        if (password != null) {
            p.put("tollgate.redis.password", password);
        }
        String required = value("REDIS_REQUIRED_AT_STARTUP");
        if (required != null) {
            p.put("tollgate.redis.required-at-startup", bool("REDIS_REQUIRED_AT_STARTUP", required));
        }
        String proxies = value("TRUSTED_PROXIES");
        if (proxies != null) {
            p.put("tollgate.trusted-proxies", String.join(",", cidrs(proxies)));
        }
        String logFormat = value("LOG_FORMAT");
        if (logFormat != null) {
            switch (logFormat.toLowerCase(Locale.ROOT)) {
                case "json" -> p.put("logging.structured.format.console", "ecs");
                case "text", "plain", "console" -> { } // Spring Boot's readable default
                default -> throw invalid("LOG_FORMAT", logFormat, "\"text\" (readable console lines, the default) or \"json\" (one JSON object per line)");
            }
        }
        String mask = value("MASK_CLIENT_KEYS");
        if (mask != null) {
            p.put("tollgate.log.mask-keys", bool("MASK_CLIENT_KEYS", mask));
        }
        String policy = value("FAILURE_POLICY");
        if (policy != null) {
            try {
                p.put("tollgate.failure-policy", FailurePolicy.parse(policy).label());
            } catch (IllegalArgumentException e) {
                throw invalid("FAILURE_POLICY", policy, "one of fail-open (the default: open, but each client held to its own limit per instance), fail-open-unbounded, fail-closed or local");
            }
        }
        String instances = value("EXPECTED_INSTANCES");
        if (instances != null) {
            p.put("tollgate.expected-instances", intInRange("EXPECTED_INSTANCES", instances, 1, 10_000, "a whole number of instances from 1 to 10000"));
        }
        return p;
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

    private ServerConfigException invalid(String name, String value, String expected) {
        String shown = secret(name) ? "(value hidden)" : "\"" + value + "\"";
        return new ServerConfigException(name, name + " (" + origin(name) + ") is " + shown + ", but it must be "
                + expected + ". Fix or remove it and start again.");
    }

    private static boolean secret(String name) {
        return name.contains("PASSWORD") || name.contains("URL");
    }

    private int intInRange(String name, String value, int min, int max, String expected) {
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return (int) n;
            }
        } catch (NumberFormatException ignored) {
            // reported below, with the accepted range
        }
        throw invalid(name, value, expected);
    }

    private boolean bool(String name, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(name, value, "true or false");
        };
    }

    private String redisUrl(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("redis") || scheme.equals("rediss")) && uri.getHost() != null) {
                return url;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        throw invalid("REDIS_URL", url, "a URL like redis://host:6379/0 or rediss://user:password@host:6380/0");
    }

    /** Splits and checks a comma-separated CIDR list; a bare address means a single host (/32 or /128). */
    private List<String> cidrs(String list) {
        List<String> out = new ArrayList<>();
        for (String part : list.split(",")) {
            String cidr = part.strip();
            if (cidr.isEmpty()) {
                continue;
            }
            if (!validCidr(cidr)) {
                throw invalid("TRUSTED_PROXIES", list, "a comma-separated list of IP addresses or CIDR ranges such as "
                        + "10.0.0.0/8,192.168.1.10,fd00::/8; \"" + cidr + "\" is not one");
            }
            out.add(cidr);
        }
        return out;
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
