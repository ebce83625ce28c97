package io.microsettle.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Benchmark plumbing: settings from system properties, concurrent HTTP clients, latency percentiles, a table. */
final class Bench {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Bench() {}

    static int setting(String name, int def) {
        return Integer.getInteger("bench." + name, def);
    }

    /** POSTs a JSON body; fails unless the status is the expected one; returns the latency in microseconds. */
    static long post(URI uri, String token, String json, int expected) throws Exception {
        long s = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        long micros = (System.nanoTime() - s) / 1000;
        if (r.statusCode() != expected) throw new AssertionError("status " + r.statusCode() + ": " + r.body());
        return micros;
    }

    /** One measured round: wall time and every request's latency. */
    record Round(double seconds, long[] latenciesMicros) {
        double p(int percentile) {
            long[] s = latenciesMicros.clone();
            Arrays.sort(s);
            int rank = (int) Math.ceil(percentile / 100.0 * s.length);
            return s[Math.max(0, rank - 1)] / 1000.0;
        }
    }

    /** Runs the tasks on {@code clients} threads, each task one request returning its latency. */
    static Round run(int clients, List<Callable<Long>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            long started = System.nanoTime();
            List<Future<Long>> fs = new ArrayList<>();
            for (Callable<Long> t : tasks) fs.add(pool.submit(t));
            long[] lat = new long[tasks.size()];
            for (int i = 0; i < lat.length; i++) lat[i] = fs.get(i).get(300, TimeUnit.SECONDS);
            return new Round((System.nanoTime() - started) / 1e9, lat);
        } finally {
            pool.shutdownNow();
        }
    }

    static void table(String title, String unit, double perRequest, List<Round> rounds) {
        StringBuilder b = new StringBuilder("\n").append(title).append('\n');
        b.append(String.format(Locale.ROOT, "%-7s %10s %12s %9s %9s %9s %9s%n", "round", "requests", unit, "p50 ms", "p95 ms", "p99 ms", "max ms"));
        List<Long> all = new ArrayList<>();
        double[] rates = new double[rounds.size()];
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            int n = r.latenciesMicros().length;
            rates[i] = n * perRequest / r.seconds();
            for (long l : r.latenciesMicros()) all.add(l);
            b.append(String.format(Locale.ROOT, "%-7d %10d %12.0f %9.1f %9.1f %9.1f %9.1f%n", i + 1, n, rates[i],
                    r.p(50), r.p(95), r.p(99), r.p(100)));
        }
        Round total = new Round(rounds.stream().mapToDouble(Round::seconds).sum(), all.stream().mapToLong(Long::longValue).toArray());
        Arrays.sort(rates);
        b.append(String.format(Locale.ROOT, "%-7s %10d %12.0f %9.1f %9.1f %9.1f %9.1f%n", "all", all.size(),
                all.size() * perRequest / total.seconds(), total.p(50), total.p(95), total.p(99), total.p(100)));
        b.append(String.format(Locale.ROOT, "median round %.0f %s; %d cores, Java %s, load average %.2f%n", rates[rates.length / 2], unit,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        System.out.print(b);
    }
}
