package io.microsettle.chain;

import io.microsettle.infra.ListenPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local development chain (Ganache or Anvil) run as a child process from {@code contracts/node_modules}.
 *
 * <p>Plain Java, no framework: the service and plain JUnit tests both use it. The chain listens on a free
 * loopback port, uses chain id 1337 and the deterministic {@link DevAccounts#DEFAULT_MNEMONIC} by default,
 * keeps its state under {@link Options#dataDir()} (Ganache: a LevelDB database; Anvil: a state file dumped
 * every few seconds and on exit) so a restart on the same data dir keeps the chain, and writes its output to
 * {@code <dataDir>/<kind>.log}. {@link #close()} and a JVM shutdown hook stop the process tree.
 *
 * <pre>{@code
 * try (DevChain chain = DevChain.start(DevChain.Options.builder(DevChain.Kind.GANACHE, contractsDir, dataDir).build())) {
 *     Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
 *     ...
 * }
 * }</pre>
 */
public final class DevChain implements AutoCloseable {

    /** Which dev chain implementation to run. */
    public enum Kind {
        GANACHE, ANVIL;

        /** Parses {@code ganache} / {@code anvil} (case-insensitive). */
        public static Kind parse(String value) {
            return Kind.valueOf(value.trim().toUpperCase(Locale.ROOT));
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How to start a dev chain.
     *
     * @param kind               Ganache or Anvil
     * @param contractsDir       the {@code contracts/} npm package (with node_modules installed)
     * @param dataDir            where the chain state and the log file live (created if missing)
     * @param blockTimeSeconds   0 = mine a block for every transaction; otherwise interval mining
     * @param chainId            chain id (1337 by default)
     * @param mnemonic           the accounts' BIP-39 mnemonic
     * @param port               0 = pick a free loopback port
     * @param nodeExecutable     the Node.js executable for Ganache ({@code node} on the PATH by default)
     * @param startupTimeout     how long to wait for {@code web3_clientVersion} to answer
     * @param stopTimeout        how long to wait for a graceful stop before killing the process tree
     * @param anvilStateInterval seconds between Anvil state dumps (it also dumps on a graceful exit)
     */
    public record Options(Kind kind, Path contractsDir, Path dataDir, long blockTimeSeconds, long chainId,
                          String mnemonic, int port, String nodeExecutable, Duration startupTimeout,
                          Duration stopTimeout, int anvilStateInterval) {
        public Options {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(contractsDir, "contractsDir");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(mnemonic, "mnemonic");
            Objects.requireNonNull(nodeExecutable, "nodeExecutable");
            Objects.requireNonNull(startupTimeout, "startupTimeout");
            Objects.requireNonNull(stopTimeout, "stopTimeout");
            if (blockTimeSeconds < 0) throw new IllegalArgumentException("blockTimeSeconds < 0");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            if (anvilStateInterval < 1) throw new IllegalArgumentException("anvilStateInterval < 1");
        }

        public static Builder builder(Kind kind, Path contractsDir, Path dataDir) {
            return new Builder(kind, contractsDir, dataDir);
        }
    }

    /** Builder for {@link Options} with the defaults described there. */
    public static final class Builder {
        private final Kind kind;
        private final Path contractsDir;
        private final Path dataDir;
        private long blockTimeSeconds = 0;
        private long chainId = DevAccounts.DEV_CHAIN_ID;
        private String mnemonic = DevAccounts.DEFAULT_MNEMONIC;
        private int port = 0;
        private String nodeExecutable = "node";
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Duration stopTimeout = Duration.ofSeconds(10);
        private int anvilStateInterval = 30;

        private Builder(Kind kind, Path contractsDir, Path dataDir) {
            this.kind = kind;
            this.contractsDir = contractsDir;
            this.dataDir = dataDir;
        }

        public Builder blockTimeSeconds(long v) { this.blockTimeSeconds = v; return this; }
        public Builder chainId(long v) { this.chainId = v; return this; }
        public Builder mnemonic(String v) { this.mnemonic = v; return this; }
        public Builder port(int v) { this.port = v; return this; }
        public Builder nodeExecutable(String v) { this.nodeExecutable = v; return this; }
        public Builder startupTimeout(Duration v) { this.startupTimeout = v; return this; }
        public Builder stopTimeout(Duration v) { this.stopTimeout = v; return this; }
        public Builder anvilStateInterval(int v) { this.anvilStateInterval = v; return this; }

        public Options build() {
            return new Options(kind, contractsDir, dataDir, blockTimeSeconds, chainId, mnemonic, port,
                    nodeExecutable, startupTimeout, stopTimeout, anvilStateInterval);
        }

        /** Builds the options and starts the chain. */
        public DevChain start() {
            return DevChain.start(build());
        }
    }

    /** What a start's readiness check reads of its output (the line it waits for comes within the first few). */
    static final int MAX_START_OUTPUT_BYTES = 1 << 20;

    private static final Pattern CLIENT_VERSION = Pattern.compile("\"result\"\\s*:\\s*\"([^\"]*)\"");

    private final Options options;
    private final Process process;
    private final int port;
    private final Path logFile;
    private final String clientVersion;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private DevChain(Options options, Process process, int port, Path logFile, String clientVersion) {
        this.options = options;
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.clientVersion = clientVersion;
        this.shutdownHook = new Thread(this::stopProcess, "devchain-" + options.kind().id() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts the chain and waits (at most {@link Options#startupTimeout()}) until it answers
     * {@code web3_clientVersion}.
     *
     * @throws DevChainException if the executable is missing, the process exits early or the timeout passes
     *                           (the message points at the log file)
     */
    public static DevChain start(Options options) {
        return start(options, ListenPorts::freeLoopbackPort);
    }

    /**
     * Starts the chain on {@code options.port()}, or on a port from {@code choosePort} when that is 0: a port another
     * process took before the chain could listen there (the chain exits saying so) is chosen again, at most
     * {@link ListenPorts#MAX_START_ATTEMPTS} times.
     */
    static DevChain start(Options options, IntSupplier choosePort) {
        Path dataDir = options.dataDir().toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data dir " + dataDir, e);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return startOn(options, dataDir, options.port() == 0 ? choosePort.getAsInt() : options.port());
            } catch (PortTaken e) {
                if (options.port() != 0 || attempt >= ListenPorts.MAX_START_ATTEMPTS) throw e;
            }
        }
    }

    private static DevChain startOn(Options options, Path dataDir, int port) {
        Path logFile = dataDir.resolve(options.kind().id() + ".log");
        List<String> command = command(options, dataDir, port);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process process;
        long logOffset;
        try {
            // the log is appended across starts: readiness is read from this start's part only
            logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
            Files.writeString(logFile, "---- starting " + String.join(" ", redact(command, options.mnemonic())) + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = pb.start();
        } catch (IOException e) {
            throw new DevChainException("cannot start " + options.kind().id() + " (" + command.getFirst()
                    + "): " + e.getMessage() + "; is Node.js installed and `npm ci` run in contracts/?", e);
        }
        try {
            String version = waitUntilReady(process, port, options.startupTimeout(), logFile, logOffset);
            return new DevChain(options, process, port, logFile, version);
        } catch (RuntimeException e) {
            destroyTree(process, Duration.ofSeconds(2));
            throw e;
        }
    }

    static List<String> command(Options o, Path dataDir, int port) {
        Path nodeModules = o.contractsDir().toAbsolutePath().resolve("node_modules");
        List<String> cmd = new ArrayList<>();
        switch (o.kind()) {
            case GANACHE -> {
                Path cli = nodeModules.resolve("ganache/dist/node/cli.js");
                requireFile(cli, "Ganache");
                Path db = dataDir.resolve("ganache-db");
                try {
                    Files.createDirectories(db);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                cmd.addAll(List.of(o.nodeExecutable(), cli.toString(),
                        "--server.host", "127.0.0.1",
                        "--server.port", Integer.toString(port),
                        "--chain.chainId", Long.toString(o.chainId()),
                        "--chain.networkId", Long.toString(o.chainId()),
                        "--chain.hardfork", "shanghai",
                        "--wallet.mnemonic", o.mnemonic(),
                        "--wallet.totalAccounts", "10",
                        "--database.dbPath", db.toString(),
                        "--logging.quiet", "false"));
                if (o.blockTimeSeconds() > 0) {
                    cmd.addAll(List.of("--miner.blockTime", Long.toString(o.blockTimeSeconds())));
                }
            }
            case ANVIL -> {
                Path bin = anvilBinary(nodeModules);
                Path state = dataDir.resolve("anvil-state.json");
                cmd.addAll(List.of(bin.toString(),
                        "--host", "127.0.0.1",
                        "--port", Integer.toString(port),
                        "--chain-id", Long.toString(o.chainId()),
                        "--mnemonic", o.mnemonic(),
                        "--accounts", "10",
                        "--state", state.toString(),
                        "--state-interval", Integer.toString(o.anvilStateInterval())));
                if (o.blockTimeSeconds() > 0) {
                    cmd.addAll(List.of("--block-time", Long.toString(o.blockTimeSeconds())));
                }
            }
        }
        return cmd;
    }

    /** The native anvil binary shipped by the npm package for this platform (not the Node shim). */
    static Path anvilBinary(Path nodeModules) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osPart = os.contains("mac") || os.contains("darwin") ? "darwin" : os.contains("win") ? "win32" : "linux";
        String archPart = arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
        String exe = osPart.equals("win32") ? "anvil.exe" : "anvil";
        Path dir = nodeModules.resolve("@foundry-rs").resolve("anvil-" + osPart + "-" + archPart);
        for (Path candidate : List.of(dir.resolve("bin").resolve(exe), dir.resolve(exe))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new DevChainException("the anvil binary for " + osPart + "-" + archPart + " is missing under "
                + dir + ": run `npm ci` in contracts/");
    }

    private static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new DevChainException(what + " is missing (" + file + "): run `npm ci` in contracts/");
        }
    }

    private static List<String> redact(List<String> command, String mnemonic) {
        return command.stream().map(s -> s.equals(mnemonic) ? "'<mnemonic>'" : s).toList();
    }

    /**
     * Waits until this process says it listens on {@code port} (Anvil and Ganache both print "Listening on
     * 127.0.0.1:port") and then answers {@code web3_clientVersion} there: an answer alone may come from another
     * process that holds the port (a second dev chain), while this one exits with "address already in use".
     */
    private static String waitUntilReady(Process process, int port, Duration timeout, Path logFile, long logOffset) {
        String rpcUrl = "http://127.0.0.1:" + port;
        String listening = "Listening on 127.0.0.1:" + port;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(rpcUrl))
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"web3_clientVersion\",\"params\":[]}"))
                .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String output = outputSince(logFile, logOffset);
            if (!process.isAlive()) {
                String message = "dev chain exited with code " + waitForExit(process) + " before answering; see " + logFile + tail(logFile);
                if (ListenPorts.saysAddressInUse(outputSince(logFile, logOffset))) throw new PortTaken(message);
                throw new DevChainException(message);
            }
            if (output.contains(listening)) {
                try {
                    HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString());
                    Matcher m = CLIENT_VERSION.matcher(resp.body());
                    if (resp.statusCode() == 200 && m.find() && process.isAlive()) return m.group(1);
                } catch (IOException e) {
                    // not answering yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DevChainException("interrupted while waiting for the dev chain", e);
                }
            }
            sleep(100);
        }
        throw new DevChainException("dev chain did not answer web3_clientVersion at " + rpcUrl + " within "
                + timeout + "; see " + logFile + tail(logFile));
    }

    /** The exit code (the process has ended; its output may still be flushing into the log). */
    private static int waitForExit(Process process) {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    /** What the log holds after {@code offset} (this start's output), at most {@link #MAX_START_OUTPUT_BYTES}. */
    private static String outputSince(Path logFile, long offset) {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(logFile)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) Math.max(0, Math.min(MAX_START_OUTPUT_BYTES, channel.size() - offset)));
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // read on
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DevChainException("interrupted", e);
        }
    }

    /** JSON-RPC endpoint, e.g. {@code http://127.0.0.1:38421}. */
    public String rpcUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Kind kind() {
        return options.kind();
    }

    public long chainId() {
        return options.chainId();
    }

    public Path dataDir() {
        return options.dataDir();
    }

    public Options options() {
        return options;
    }

    /** The chain's output (appended across restarts). */
    public Path logFile() {
        return logFile;
    }

    /** What {@code web3_clientVersion} answered at startup. */
    public String clientVersion() {
        return clientVersion;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return !closed && process.isAlive();
    }

    /** Stops the chain (graceful first so Anvil dumps its state, then the whole process tree). Idempotent. */
    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // JVM already shutting down
        }
    }

    private synchronized void stopProcess() {
        if (closed) {
            return;
        }
        closed = true;
        destroyTree(process, options.stopTimeout());
    }

    private static void destroyTree(Process process, Duration gracePeriod) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy(); // SIGTERM: Anvil dumps --state, Ganache closes its database
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(gracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                d.destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return "DevChain[" + options.kind().id() + " " + rpcUrl() + " pid " + process.pid() + " (" + clientVersion + ")]";
    }

    /** The chain exited because another process holds its port. */
    static final class PortTaken extends DevChainException {
        PortTaken(String message) {
            super(message);
        }
    }

    /** The dev chain could not be started or did not answer in time. */
    public static class DevChainException extends RuntimeException {
        public DevChainException(String message) {
            super(message);
        }

        public DevChainException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
