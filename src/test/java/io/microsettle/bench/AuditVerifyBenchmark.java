package io.microsettle.bench;

import io.microsettle.audit.AuditChain;
import io.microsettle.audit.AuditLog;
import io.microsettle.audit.AuditSealer;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Benchmark (runs with -Pbench only): verify of a large audit log ({@link AuditLog#verify}, which is what
 * {@code GET /v1/audit/verify} runs). Fills the embedded PostgreSQL with {@code -Dbench.auditEvents}
 * (1,000,000) events the way the service does: one INSERT … SELECT generate_series into
 * {@code audit_pending} (as {@link AuditLog#appendAll} inserts them), then the sealer's own
 * {@link AuditSealer#sealOnce} in its batches until nothing is pending (it links them into the chain and
 * stores their tree nodes under the append-only triggers). Then verifies {@code -Dbench.warmup} (1) +
 * {@code -Dbench.rounds} (3) times in the JVM and {@code -Dbench.rounds} times over HTTP (after one untimed
 * small request that pays the HTTP client's and the endpoint's first-use costs), asserting every verify is ok and counts
 * every event; prints events/s with the load average.
 */
@QuarkusTest
@Tag("bench")
class AuditVerifyBenchmark {
    @Inject
    DbRows db;
    @Inject
    io.agroal.api.AgroalDataSource ds;
    @Inject
    AuditLog log;
    @Inject
    AuditSealer sealer;

    @Test
    void verifyMillionEvents() throws Exception {
        int events = Bench.setting("auditEvents", 1_000_000);
        int warmup = Bench.setting("warmup", 1);
        int rounds = Bench.setting("rounds", 3);
        long before = scalar("SELECT seq FROM audit_head WHERE id = 1");
        long fill0 = System.nanoTime();
        String load0 = load();
        for (int done = 0; done < events; ) {
            int n = Math.min(100_000, events - done);
            // canonical payloads (sorted keys, integers, strings) of a realistic size, as services append them
            db.execute("INSERT INTO audit_pending (event_id, at, actor, type, subject, payload_json) "
                    + "SELECT 'evt_bench' || md5(random()::text || g), date_trunc('milliseconds', clock_timestamp()), 'integrator:bench', "
                    + "'cashout.requested', 'co_bench' || g, "
                    + "'{\"accountId\":\"acc_bench' || (g % 1000) || '\",\"feeBaseUnits\":\"' || (g % 97) || '\",\"grossBaseUnits\":\"' || (1000 + g) "
                    + "|| '\",\"idempotencyKey\":\"' || md5(g::text) || '\",\"payee\":\"0x' || substr(md5('p' || g) || md5('q' || g), 1, 40) || '\"}' "
                    + "FROM generate_series(" + (done + 1) + ", " + (done + n) + ") g");
            done += n;
        }
        double insertSeconds = (System.nanoTime() - fill0) / 1e9;
        long seal0 = System.nanoTime();
        while (scalar("SELECT count(*) FROM (SELECT 1 FROM audit_pending LIMIT 1) p") > 0) sealer.sealAll(1_000);
        double sealSeconds = (System.nanoTime() - seal0) / 1e9;
        long head = scalar("SELECT seq FROM audit_head WHERE id = 1");
        assertThat(head).isGreaterThanOrEqualTo(before + events);
        assertThat(scalar("SELECT tree_size FROM audit_head WHERE id = 1")).isEqualTo(head);
        System.out.printf(Locale.ROOT, "%naudit fill: %,d events inserted in %.1f s, sealed (chain + tree) in %.1f s (%,.0f events/s); load %s -> %s%n",
                events, insertSeconds, sealSeconds, events / sealSeconds, load0, load());

        List<String> rows = new ArrayList<>();
        for (int r = 0; r < warmup + rounds; r++) {
            String l0 = load();
            long t0 = System.nanoTime();
            AuditChain.Verification v = log.verify();
            double s = (System.nanoTime() - t0) / 1e9;
            assertThat(v.ok()).as(v.detail()).isTrue();
            assertThat(v.count()).isEqualTo(head);
            rows.add(String.format(Locale.ROOT, "| %-12s | %,11d | %8.2f | %,12.0f | %-17s | %-17s |",
                    r < warmup ? "warm-up " + (r + 1) : "round " + (r + 1 - warmup), v.count(), s, v.count() / s, l0, load()));
        }
        String auditor = Tokens.auditor("bench-auditor");
        // the HTTP client's, the token check's and the endpoint's first-use costs (REST Assured starting its Groovy
        // runtime took seconds on a loaded machine) are not the verify's: one small authenticated GET first, untimed
        long w0 = System.nanoTime();
        as(auditor).get("/v1/audit/anchors?limit=1").then().statusCode(200);
        double firstRequestSeconds = (System.nanoTime() - w0) / 1e9;
        for (int r = 0; r < rounds; r++) {
            String l0 = load();
            long t0 = System.nanoTime();
            as(auditor).get("/v1/audit/verify").then().statusCode(200).body("ok", equalTo(true)).body("count", equalTo((int) head));
            double s = (System.nanoTime() - t0) / 1e9;
            rows.add(String.format(Locale.ROOT, "| %-12s | %,11d | %8.2f | %,12.0f | %-17s | %-17s |", "HTTP " + (r + 1), head, s, head / s,
                    l0, load()));
        }
        System.out.printf(Locale.ROOT, "%naudit verify: %,d events (%,d added), %d cores, fetch size as configured%n", head, events,
                Runtime.getRuntime().availableProcessors());
        System.out.println("| run          |      events |  seconds |     events/s | load before       | load after        |");
        System.out.println("|--------------|-------------|----------|--------------|-------------------|-------------------|");
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "(first HTTP request of the JVM, GET /v1/audit/anchors?limit=1, untimed above: %.2f s)%n", firstRequestSeconds);
    }

    /** A count or value, without DbRows' wait for the sealer (which the benchmark drives itself). */
    private long scalar(String sql) {
        return io.microsettle.infra.Db.scalar(ds, sql);
    }

    /** The 1, 5 and 15-minute load averages (/proc/loadavg; the 1-minute one alone elsewhere). */
    static String load() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
