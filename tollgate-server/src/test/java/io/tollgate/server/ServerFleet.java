package io.tollgate.server;

import io.tollgate.testsupport.http.Http;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One or more fresh {@code tollgate-server} JVMs (the JVM's default options, as in production) on one Redis, started
 * together, plus what the load tests read back from them: their {@code /metrics}.
 */
final class ServerFleet implements AutoCloseable {

    private static final Pattern DECISIONS = Pattern.compile(
            "^tollgate_decisions_total\\{([^}]*)\\} ([0-9.eE+-]+)$", Pattern.MULTILINE);

    private final List<ChildJvm.Running> servers;
    private final List<Integer> ports;

    private ServerFleet(List<ChildJvm.Running> servers, List<Integer> ports) {
        this.servers = servers;
        this.ports = ports;
    }

    /**
     * Starts {@code instances} servers with the rules file {@code rulesJson}, trusting 127.0.0.1 as a proxy, on
     * {@code redisUrl}; every other setting is the default. Returns once all of them listen.
     */
    static ServerFleet start(Path dir, int instances, String rulesJson, String redisUrl) throws Exception {
        Path rules = Files.writeString(dir.resolve("rate_limits.json"), rulesJson);
        Map<String, String> env = Map.of("PORT", "0", "RATE_LIMIT_RULES_PATH", rules.toString(),
                "REDIS_URL", redisUrl, "TRUSTED_PROXIES", "127.0.0.1");
        List<ChildJvm.Running> servers = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                Path home = Files.createDirectories(dir.resolve("server-" + i));
                servers.add(ChildJvm.start(home, env, List.of("-Xmx512m")));
            }
            for (ChildJvm.Running s : servers) {
                ports.add(s.awaitPort(120));
            }
        } catch (Exception | AssertionError e) {
            for (ChildJvm.Running s : servers) {
                s.close();
            }
            throw e;
        }
        return new ServerFleet(servers, ports);
    }

    /** Comma-separated URLs of {@code path} on every instance, for the load client's {@code --targets}. */
    String targets(String path) {
        List<String> urls = new ArrayList<>();
        for (int port : ports) {
            urls.add("http://127.0.0.1:" + port + path);
        }
        return String.join(",", urls);
    }

    int size() {
        return servers.size();
    }

    /** Sum of {@code tollgate_decisions_total} of instance {@code i} by {@code outcome/policy}, e.g. {@code error/fail-open}. */
    Map<String, Double> decisions(int i) {
        HttpResponse<String> r = new Http(ports.get(i)).get("/metrics");
        Map<String, Double> out = new HashMap<>();
        Matcher m = DECISIONS.matcher(r.body());
        while (m.find()) {
            String outcome = label(m.group(1), "outcome");
            String policy = label(m.group(1), "policy");
            out.merge(outcome + "/" + policy, Double.parseDouble(m.group(2)), Double::sum);
        }
        return out;
    }

    /** Decisions a failure policy made on instance {@code i}. */
    double fallbackDecisions(int i) {
        return decisions(i).entrySet().stream().filter(e -> e.getKey().startsWith("error/"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** The console output of instance {@code i}. */
    String output(int i) throws IOException {
        return servers.get(i).output();
    }

    private static String label(String labels, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(labels);
        return m.find() ? m.group(1) : "";
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildJvm.Running s : servers) {
            s.close();
        }
    }
}
