package io.tollgate.scg;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Redis MONITOR on its own connection: every command the server runs, with the server's timestamp of running it.
 * Tells exactly when on the Redis clock each limiter's script ran, which is what their decisions depend on.
 */
final class RedisMonitor implements AutoCloseable {

    /** One command: the server's time in microseconds, and the line as MONITOR printed it. */
    record Command(long micros, String line) {
    }

    private final Socket socket;
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final Thread reader;

    RedisMonitor(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            OutputStream out = socket.getOutputStream();
            out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String ok = in.readLine();
            if (!"+OK".equals(ok)) {
                throw new IllegalStateException("MONITOR answered " + ok);
            }
            reader = new Thread(() -> read(in), "redis-monitor");
            reader.setDaemon(true);
            reader.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                // +1700000000.123456 [0 127.0.0.1:40000] "EVALSHA" ...
                int space = line.indexOf(' ');
                if (line.startsWith("+") && space > 0) {
                    String[] t = line.substring(1, space).split("\\.");
                    commands.add(new Command(Long.parseLong(t[0]) * 1_000_000 + Long.parseLong(t[1]), line));
                }
            }
        } catch (IOException | RuntimeException e) {
            // closed
        }
    }

    /**
     * The server times of the script calls (EVAL, EVALSHA) seen so far whose line contains {@code text}; not the
     * commands a script runs inside, which MONITOR lists too.
     */
    List<Long> scriptRuns(String text) {
        return commands.stream().filter(c -> c.line().contains(text) && isScript(c.line())).map(Command::micros)
                .toList();
    }

    private static boolean isScript(String line) {
        int end = line.indexOf("] \"");
        if (end < 0) {
            return false;
        }
        String command = line.substring(end + 3, line.indexOf('"', end + 3)).toUpperCase(java.util.Locale.ROOT);
        return command.equals("EVAL") || command.equals("EVALSHA");
    }

    @Override
    public void close() {
        try {
            socket.close();
            reader.join(2000);
        } catch (IOException e) {
            // nothing to do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
