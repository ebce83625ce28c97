package io.microsettle.testsupport;

import io.microsettle.infra.ListenPorts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The service as a user starts it: a child JVM running the packaged application
 * ({@code target/quarkus-app/quarkus-run.jar}, as {@code ./microsettle} does) with its own
 * working directory, system properties and environment. Its output goes to a log file and is
 * kept in memory; {@link #start} waits until it prints that it is running, or exits.
 * Tests that use it run after {@code package} (Maven failsafe, {@code *IT} classes).
 */
public final class ServiceProcess implements AutoCloseable {
    /** What {@code Main} prints once the service is up. */
    public static final String RUNNING_LINE = "microsettle is running";
    /** Lines of output kept in memory (the log file has them all). */
    static final int MAX_LINES_KEPT = 20_000;
    /** At most this long from the running line to the end of the start summary (a busy machine). */
    static final int SUMMARY_TIMEOUT_SECONDS = 30;

    private final Process process;
    private final Path logFile;
    private final int httpPort;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch running = new CountDownLatch(1);
    /** The start summary after the running line ends with a blank line. */
    private final CountDownLatch summaryPrinted = new CountDownLatch(1);
    private final Thread reader;

    private ServiceProcess(Process process, Path logFile, int httpPort) {
        this.process = process;
        this.logFile = logFile;
        this.httpPort = httpPort;
        this.reader = Thread.ofPlatform().daemon().name("service-output-" + process.pid()).start(this::pump);
    }

    /** The packaged application of this build (failsafe passes its path; the default is Maven's layout). */
    public static Path packagedJar() {
        return Path.of(System.getProperty("microsettle.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
    }

    /** A loopback port free at the time of the call. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    public static final class Builder {
        private final Path workDir;
        private Path jar = packagedJar();
        private final List<String> args = new ArrayList<>(List.of("run"));
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> removedEnvironment = new ArrayList<>();
        private Integer httpPort;
        private Duration startTimeout = Duration.ofSeconds(180);
        private boolean waitUntilRunning = true;

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        public Builder jar(Path value) { jar = value; return this; }

        /** Replaces the command-line arguments (default {@code run}). */
        public Builder args(String... values) { args.clear(); args.addAll(List.of(values)); return this; }

        public Builder jvmOption(String value) { jvmOptions.add(value); return this; }

        public Builder systemProperty(String name, String value) { systemProperties.put(name, value); return this; }

        public Builder env(String name, String value) { environment.put(name, value); return this; }

        /** Removes a variable the child would otherwise inherit. */
        public Builder withoutEnv(String name) { removedEnvironment.add(name); return this; }

        /** The HTTP port (default: a free one, passed as {@code quarkus.http.port}); null leaves it to the configuration. */
        public Builder httpPort(Integer value) { httpPort = value; return this; }

        public Builder startTimeout(Duration value) { startTimeout = value; return this; }

        /** false: return as soon as the process is started (for runs that are expected to fail or that print no banner). */
        public Builder waitUntilRunning(boolean value) { waitUntilRunning = value; return this; }

        /**
         * Starts the service (and waits until it runs, unless told not to). A port this builder chose that another
         * process took before the child could listen there is chosen again, at most {@link ListenPorts#MAX_START_ATTEMPTS} times.
         */
        public ServiceProcess start() {
            boolean choosePort = httpPort == null && !systemProperties.containsKey("quarkus.http.port");
            for (int attempt = 1; ; attempt++) {
                try {
                    return start(choosePort ? Integer.valueOf(ListenPorts.freeLoopbackPort()) : httpPort);
                } catch (IllegalStateException e) {
                    boolean portTaken = e.getMessage() != null && ListenPorts.saysAddressInUse(e.getMessage());
                    if (!choosePort || !portTaken || attempt >= ListenPorts.MAX_START_ATTEMPTS) throw e;
                }
            }
        }

        private ServiceProcess start(Integer port) {
            try {
                Files.createDirectories(workDir);
                List<String> cmd = new ArrayList<>();
                cmd.add(javaExecutable());
                cmd.add("--enable-native-access=ALL-UNNAMED");  // as ./microsettle starts it (JNI secp256k1)
                cmd.addAll(jvmOptions);
                if (port != null) cmd.add("-Dquarkus.http.port=" + port);
                systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
                cmd.add("-jar");
                cmd.add(jar.toString());
                cmd.addAll(args);
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
                removedEnvironment.forEach(pb.environment()::remove);
                pb.environment().putAll(environment);
                Path log = workDir.resolve("service-" + System.nanoTime() + ".log");
                Files.writeString(log, String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
                int shownPort = port != null ? port : Integer.parseInt(systemProperties.getOrDefault("quarkus.http.port", "8080"));
                ServiceProcess p = new ServiceProcess(pb.start(), log, shownPort);
                if (waitUntilRunning) p.awaitRunning(startTimeout);
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (lines.size() < MAX_LINES_KEPT) lines.add(line);
                Files.writeString(logFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                if (running.getCount() == 0 && line.isBlank()) summaryPrinted.countDown();
                if (line.contains(RUNNING_LINE)) running.countDown();
            }
        } catch (IOException e) {
            // the process went away; its exit code tells the rest
        }
    }

    /** Waits for the running line; fails with the output's tail if the process exits or the time runs out. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (running.await(200, TimeUnit.MILLISECONDS)) {
                    // the lines after the banner (base URL, chain, token) follow at once, up to a blank line
                    summaryPrinted.await(SUMMARY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return;
                }
                if (!process.isAlive()) {
                    reader.join(2000);
                    throw new IllegalStateException("the service exited with " + process.exitValue() + " before it was running:\n" + tail(60));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("the service did not print \"" + RUNNING_LINE + "\" within " + timeout + ":\n" + tail(60));
    }

    /** Waits for the process to end by itself; the exit code, or empty if it is still running. */
    public Optional<Integer> awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return Optional.empty();
            reader.join(5000);
            return Optional.of(process.exitValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until a line matching {@code test} has been printed. */
    public boolean awaitLine(Predicate<String> test, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().stream().anyMatch(test)) return true;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    public URI baseUri() {
        return URI.create("http://localhost:" + httpPort);
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Every line printed so far (up to {@value #MAX_LINES_KEPT}). */
    public List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The value printed after {@code "  <label> :"} in the start summary (e.g. {@code escrow}), if any. */
    public Optional<String> summaryValue(String label) {
        for (String l : output()) {
            String t = l.trim();
            if (t.startsWith(label) && t.substring(label.length()).trim().startsWith(":")) {
                return Optional.of(t.substring(t.indexOf(':') + 1).trim());
            }
        }
        return Optional.empty();
    }

    public String tail(int n) {
        List<String> all = output();
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    public Path logFile() {
        return logFile;
    }

    /** kill -9: no shutdown hook runs (a crash). */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, then kill -9 after {@code grace}. */
    public void stop(Duration grace) {
        process.destroy();
        if (awaitExit(grace).isEmpty()) kill();
    }

    @Override
    public void close() {
        if (process.isAlive()) stop(Duration.ofSeconds(20));
    }
}
