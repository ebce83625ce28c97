package io.microsettle.bench;

import io.microsettle.testsupport.ServiceProcess;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the server side did during a phase, read from outside the service (nothing exposed for the benchmark):
 * PostgreSQL's own counters ({@code pg_stat_database}: deadlocks, commits, rollbacks) over a JDBC connection to the
 * embedded PostgreSQL (its port from {@code <data>/postgres/postmaster.pid}), backends waiting on locks
 * ({@code pg_stat_activity}, sampled twice a second), CPU time of the service JVM, the database processes, the dev
 * chain and this client JVM ({@code /proc} through {@link ProcessHandle}), and the service log's ERROR and WARN lines.
 */
final class ServerFacts implements AutoCloseable {
    static final long LOCK_SAMPLE_MILLIS = 500;
    /** Distinct log messages kept per phase for the report. */
    static final int MAX_LOG_MESSAGES = 6;
    private static final Pattern LOG_LEVEL = Pattern.compile("^\\S+ \\S+ (ERROR|WARN)\\s+\\[([^\\]]*)\\] \\(([^)]*)\\) (.*)$");
    /** PostgreSQL's own log, which the embedded PostgreSQL forwards into the service log at INFO. */
    private static final Pattern PG_LEVEL = Pattern.compile("EmbeddedPostgres\\].* UTC \\[\\d+\\] (ERROR|FATAL|WARNING):\\s+(.*)$");

    /** Counters at one moment. CPU in nanoseconds. */
    record Snapshot(long atNanos, long deadlocks, long commits, long rollbacks, long serviceCpu, long dbCpu,
                    long chainCpu, long clientCpu, long logOffset) {}

    /** Lock waits seen by the sampler: samples, sum and maximum of waiting backends, waits by {@code wait_event}. */
    record LockWaits(int samples, long waitingSum, int waitingMax, long activeSum, Map<String, Integer> byEvent) {
        double meanWaiting() {
            return samples == 0 ? 0 : (double) waitingSum / samples;
        }

        double meanActive() {
            return samples == 0 ? 0 : (double) activeSum / samples;
        }
    }

    /** A phase's server side: counter differences, lock waits, log lines, load average at its end. */
    record Delta(String phase, double seconds, long deadlocks, long commits, long rollbacks, double serviceCpuSeconds,
                 double dbCpuSeconds, double chainCpuSeconds, double clientCpuSeconds, LockWaits locks, int logErrors,
                 int logWarnings, Map<String, Integer> logMessages, String loadAverage) {}

    private final ServiceProcess service;
    private final Path dataDir;
    private final Connection db;
    private final long postmasterPid;
    private volatile Sampler sampler;

    ServerFacts(ServiceProcess service, Path dataDir) {
        this.service = service;
        this.dataDir = dataDir;
        List<String> pid = readPostmasterPid(dataDir);
        this.postmasterPid = Long.parseLong(pid.get(0).trim());
        String url = "jdbc:postgresql://localhost:" + pid.get(3).trim() + "/postgres";
        try {
            this.db = DriverManager.getConnection(url, "postgres", "postgres");
            db.setAutoCommit(true);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to the embedded PostgreSQL at " + url, e);
        }
    }

    static List<String> readPostmasterPid(Path dataDir) {
        try {
            return Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"));
        } catch (IOException e) {
            throw new UncheckedIOException("no postmaster.pid under " + dataDir + "/postgres", e);
        }
    }

    /** Starts collecting statement statistics from now (the embedded PostgreSQL preloads pg_stat_statements). */
    void resetStatements() {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            s.execute("SELECT pg_stat_statements_reset()");
        } catch (SQLException e) {
            System.out.println("pg_stat_statements unavailable: " + e.getMessage());
        }
    }

    /** The statements that took the most database time since {@link #resetStatements}, as a table. */
    String topStatements(int n) {
        StringBuilder b = new StringBuilder("database time by statement (pg_stat_statements; lock waits included)\n");
        b.append(String.format(java.util.Locale.ROOT, "%9s %10s %9s %6s %10s %8s  %s%n", "total s", "calls", "mean ms", "share", "rows",
                "WAL kB", "statement"));
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("""
                SELECT total_exec_time / 1000, calls, mean_exec_time, 100 * total_exec_time / sum(total_exec_time) OVER (), query, rows,
                       wal_bytes / 1024
                  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT """ + " " + n)) {
            while (r.next()) {
                String q = r.getString(5).replaceAll("\\s+", " ");
                b.append(String.format(java.util.Locale.ROOT, "%9.1f %10d %9.3f %5.1f%% %10d %8d  %s%n", r.getDouble(1), r.getLong(2),
                        r.getDouble(3), r.getDouble(4), r.getLong(6), r.getLong(7), q.length() > 150 ? q.substring(0, 150) + "…" : q));
            }
        } catch (SQLException e) {
            b.append("(unavailable: ").append(e.getMessage()).append(")\n");
        }
        return b.toString();
    }

    String postgresVersion() {
        return queryOne("show server_version");
    }

    Snapshot snapshot() {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("select deadlocks, xact_commit, xact_rollback from pg_stat_database where datname = current_database()")) {
            r.next();
            Set<Long> dbPids = tree(postmasterPid);
            Set<Long> chainPids = ProcessHandle.of(service.pid()).stream().flatMap(ProcessHandle::descendants)
                    .map(ProcessHandle::pid).filter(p -> !dbPids.contains(p)).collect(Collectors.toSet());
            return new Snapshot(System.nanoTime(), r.getLong(1), r.getLong(2), r.getLong(3), cpu(Set.of(service.pid())),
                    cpu(dbPids), cpu(chainPids), cpu(Set.of(ProcessHandle.current().pid())), logSize());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts sampling lock waits until {@link #stopSampling}. */
    void startSampling() {
        Sampler s = new Sampler();
        sampler = s;
        s.thread.start();
    }

    LockWaits stopSampling() {
        Sampler s = sampler;
        sampler = null;
        if (s == null) return new LockWaits(0, 0, 0, 0, Map.of());
        s.running = false;
        try {
            s.thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new LockWaits(s.samples, s.waitingSum, s.waitingMax, s.activeSum, new TreeMap<>(s.byEvent));
    }

    Delta delta(String phase, Snapshot a, Snapshot b, LockWaits locks) {
        Map<String, Integer> messages = new LinkedHashMap<>();
        int[] counts = new int[2];
        for (String line : logLines(a.logOffset(), b.logOffset())) {
            String msg = logMessage(line);
            if (msg == null) continue;
            counts[msg.startsWith("WARN") || msg.startsWith("postgres WARNING") ? 1 : 0]++;
            messages.merge(msg.length() > 220 ? msg.substring(0, 220) + "…" : msg, 1, Integer::sum);
        }
        Map<String, Integer> top = messages.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(MAX_LOG_MESSAGES).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (x, y) -> x, LinkedHashMap::new));
        return new Delta(phase, (b.atNanos() - a.atNanos()) / 1e9, b.deadlocks() - a.deadlocks(), b.commits() - a.commits(),
                b.rollbacks() - a.rollbacks(), (b.serviceCpu() - a.serviceCpu()) / 1e9, (b.dbCpu() - a.dbCpu()) / 1e9,
                (b.chainCpu() - a.chainCpu()) / 1e9, (b.clientCpu() - a.clientCpu()) / 1e9, locks, counts[0], counts[1], top,
                loadAverage());
    }

    /** "ERROR [category] message", "postgres ERROR: message", or null for any other line. */
    static String logMessage(String line) {
        Matcher m = LOG_LEVEL.matcher(line);
        if (m.matches() && !m.group(2).contains("EmbeddedPostgres")) return m.group(1) + " [" + m.group(2) + "] " + m.group(4);
        Matcher pg = PG_LEVEL.matcher(line);
        return pg.find() ? "postgres " + pg.group(1) + ": " + pg.group(2) : null;
    }

    /** The three load averages, from /proc/loadavg (the 1-minute one from the JVM elsewhere). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(java.util.Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    static double loadAverage1() {
        return Double.parseDouble(loadAverage().split(" ")[0]);
    }

    private String queryOne(String sql) {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<Long> tree(long pid) {
        return ProcessHandle.of(pid).stream().flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static long cpu(Set<Long> pids) {
        return pids.stream().map(ProcessHandle::of).flatMap(java.util.Optional::stream)
                .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    private long logSize() {
        try {
            return Files.size(service.logFile());
        } catch (IOException e) {
            return 0;
        }
    }

    private List<String> logLines(long from, long to) {
        if (to <= from) return List.of();
        try (RandomAccessFile f = new RandomAccessFile(service.logFile().toFile(), "r")) {
            byte[] buf = new byte[(int) Math.min(to - from, 64L * 1024 * 1024)];
            f.seek(from);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        stopSampling();
        try {
            db.close();
        } catch (SQLException ignored) {
            // the service is going away with its database
        }
    }

    /** Polls pg_stat_activity on its own connection so a slow sample never holds up the snapshot connection. */
    private final class Sampler {
        final Thread thread = Thread.ofPlatform().daemon().name("bench-lock-sampler").unstarted(this::loop);
        volatile boolean running = true;
        int samples;
        long waitingSum;
        int waitingMax;
        long activeSum;
        final Map<String, Integer> byEvent = new TreeMap<>();

        void loop() {
            String sql = "select wait_event_type, wait_event, state from pg_stat_activity "
                    + "where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'";
            try (Connection c = DriverManager.getConnection(db.getMetaData().getURL(), "postgres", "postgres");
                 Statement s = c.createStatement()) {
                while (running) {
                    sample(s, sql);
                    Thread.sleep(LOCK_SAMPLE_MILLIS);
                }
            } catch (SQLException e) {
                if (running) System.out.println("lock sampler stopped: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void sample(Statement s, String sql) throws SQLException {
            int waiting = 0;
            int active = 0;
            try (ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    if ("active".equals(r.getString(3))) active++;
                    if ("Lock".equals(r.getString(1))) {
                        waiting++;
                        byEvent.merge(r.getString(2), 1, Integer::sum);
                    }
                }
            }
            samples++;
            waitingSum += waiting;
            waitingMax = Math.max(waitingMax, waiting);
            activeSum += active;
        }
    }
}
