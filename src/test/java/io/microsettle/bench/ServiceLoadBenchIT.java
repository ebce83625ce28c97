package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import io.microsettle.security.Roles;
import io.microsettle.testsupport.ServiceProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark (runs with -Pbench only; prints tables, times nothing it asserts): the packaged service started as
 * {@code ./microsettle run} starts it (the jar with {@code run}, embedded PostgreSQL under its data dir, a dev chain
 * it starts and deploys to, settlement and reconcile running), in a fresh working directory under target/, driven
 * over HTTP from this JVM as an integrator would: the demo integrator's bearer token, accounts with wallets bound by
 * verification tokens, credits, quotes signed by the wallets, an Idempotency-Key on every POST, 8 / 32 / 128
 * concurrent clients, 128 on one account, and credits while cash-outs run. The only settings given besides the
 * contracts dir and the chain kind raise the per-caller rate limit so that it does not interfere.
 * See docs/benchmarks.md for the settings ({@code -Dbench.*}) and what each column means.
 */
@Tag("bench")
class ServiceLoadBenchIT {
    static final long TOKEN_TTL_SECONDS = 24 * 3600;
    /**
     * The per-caller limit raised out of the way: a million requests a second, and a bucket of 10^12 so that its
     * allowance ahead of the clock ((burst − 1) × 1 µs) is days, not one second. (With burst 10^6 a request whose
     * upsert ran more than a second after it read the clock, waiting for a pooled connection or the caller's row,
     * was refused 429 although far below the rate; see docs/benchmarks.md.)
     */
    static final String REQUESTS_PER_SECOND = "1000000";
    static final String BURST = "1000000000000";
    /** System properties of this JVM passed on to the service without this prefix. */
    static final String SERVICE_PROPERTY_PREFIX = "bench.service.";
    /** The service's own methods listed in the profile. */
    static final int PROFILE_METHODS_SHOWN = 40;

    /** The timed phases' span (the profile covers only it). */
    private java.time.Instant timedFrom = java.time.Instant.EPOCH;
    private java.time.Instant timedTo = java.time.Instant.EPOCH;

    @Test
    void serviceOverHttp() {
        LoadSettings s = LoadSettings.fromSystemProperties();
        String quiet = awaitQuietMachine(s);
        // the service's own recovery (native libsecp256k1 when it loads, else web3j), one thread, per CPU second
        io.microsettle.cashout.RecoveryRate rate = io.microsettle.cashout.RecoveryRate.measure(
                io.microsettle.cashout.Secp256k1Recovery.current(), java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(s.floorSeconds()));
        double floor = rate.perSecond();
        Path work = Path.of("target", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath();
        System.out.println("bench: starting " + ServiceProcess.packagedJar() + " run in " + work);
        long t0 = System.nanoTime();
        ServiceProcess.Builder builder = ServiceProcess.builder(work);
        // -Dbench.profile=true: the service records a JFR profile (its hot methods are printed at the end)
        if (Boolean.getBoolean("bench.profile")) {
            builder.jvmOption("-XX:StartFlightRecording=filename=" + work.resolve("service.jfr").toAbsolutePath() + ",settings=profile");
        }
        // -Dbench.service.NAME=VALUE: the service runs with -DNAME=VALUE (to compare a setting's values)
        givenServiceProperties().forEach(builder::systemProperty);
        try (ServiceProcess service = builder
                .systemProperty("microsettle.chain.dev.contracts-dir", s.contractsDir().toString())
                .systemProperty("microsettle.chain.dev.kind", s.chain())
                .systemProperty("microsettle.security.rate-limit.requests-per-second", REQUESTS_PER_SECOND)
                .systemProperty("microsettle.security.rate-limit.burst", BURST)
                .startTimeout(Duration.ofMinutes(5)).start()) {
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            Path data = service.summaryValue("data").map(Path::of).orElse(work.resolve("data"));
            try (ServerFacts facts = new ServerFacts(service, data)) {
                run(s, service, facts, data.resolve("keys"), floor, header(s, service, facts, startSeconds, quiet, floor));
            } finally {
                System.out.println("service log: " + service.logFile());
            }
        }
        if (Boolean.getBoolean("bench.profile")) System.out.println(JfrProfile.report(work.resolve("service.jfr"), PROFILE_METHODS_SHOWN,
                timedFrom, timedTo));
    }

    private void run(LoadSettings s, ServiceProcess service, ServerFacts facts, Path keys, double floor, String header) {
        LoadClient integrator = new LoadClient(service.baseUri(), token(keys, "demo", Roles.INTEGRATOR));
        LoadClient auditor = integrator.as(token(keys, "audit", Roles.AUDITOR));
        System.out.print(header);
        String escrowBefore = escrowCheck(s, integrator);
        LoadScenario scenario = new LoadScenario(s, integrator, auditor, facts, keys);
        System.out.println(scenario.setup());
        System.out.println(scenario.warmup());
        timedFrom = java.time.Instant.now();
        for (int clients : s.concurrency()) scenario.perConcurrency(clients);
        scenario.singleAccount();
        scenario.creditsDuringCashouts();
        timedTo = java.time.Instant.now();
        LoadScenario.Settlement settlement = scenario.awaitSettlement();
        LoadScenario.Audit audit = scenario.audit();
        String escrowAfter = integrator.getOk("/v1/escrow").path("funderBalance").asText();
        List<LoadScenario.Row> rows = scenario.rows();
        List<LoadReport.Target> targets = LoadReport.targets(rows, settlement, audit);
        System.out.println("\n" + header
                + LoadReport.table("cash-outs: POST /v1/cashouts, pre-signed quotes, gross " + s.amountBaseUnits() + " each", "req/s",
                rowsOf(rows, "cash-outs"), floor)
                + LoadReport.table("quotes: POST /v1/quotes", "req/s", rowsOf(rows, "quotes"), floor)
                + LoadReport.table("credits: POST /v1/credits, " + s.creditItems() + " items a request", "items/s", rowsOf(rows, "credits"), floor)
                + LoadReport.serverTable(rows.stream().map(LoadScenario.Row::server).distinct().toList(), Runtime.getRuntime().availableProcessors())
                + LoadReport.settlement(settlement) + LoadReport.audit(audit)
                + "escrow funderBalance: " + escrowBefore + " before, " + escrowAfter + " after; quotes prepared but not sent (phase time up): "
                + scenario.quotesUnused() + "\n" + LoadReport.targetLines(targets));
        scenario.statementTables().forEach(System.out::println);
        assertThat(rows).allSatisfy(r -> assertThat(r.stats().requests()).as(r.table() + " " + r.label() + " " + r.clients()).isPositive());
        assertThat(audit.ledgerCheck().path("ok").asBoolean(false)).as("ledger check: %s", audit.ledgerCheck()).isTrue();
        assertThat(audit.verify().path("ok").asBoolean(false)).as("audit verify: %s", audit.verify()).isTrue();
        if (s.assertTargets()) assertThat(targets).allSatisfy(t -> assertThat(t.met()).as(t.name() + ": " + t.detail()).isTrue());
    }

    /** A bearer token as {@code ./microsettle token} mints it, with the service's dev key. */
    static String token(Path keys, String subject, String role) {
        return JwtMinter.mint(DevKeys.privateKey(keys), DevKeys.DEV_ISSUER, subject, List.of(role), TOKEN_TTL_SECONDS);
    }

    /** The demo funder's escrow balance must cover every cash-out the run may request. */
    private static String escrowCheck(LoadSettings s, LoadClient integrator) {
        JsonNode escrow = integrator.getOk("/v1/escrow");
        long planned = s.amountBaseUnits() * ((long) s.warmupCashouts() + (s.concurrency().size() + 1L) * s.cashoutsPerPhase()
                + s.singleAccountCashouts());
        assertThat(Long.parseLong(escrow.path("funderBalance").asText())).as("escrow funderBalance covers %d base units", planned)
                .isGreaterThanOrEqualTo(planned);
        return escrow.path("funderBalance").asText();
    }

    private static List<LoadScenario.Row> rowsOf(List<LoadScenario.Row> rows, String table) {
        return rows.stream().filter(r -> r.table().equals(table)).toList();
    }

    private static String header(LoadSettings s, ServiceProcess service, ServerFacts facts, double startSeconds, String quiet, double floor) {
        return LoadReport.format("""

                == microsettle load benchmark %s==
                service : %s run (embedded PostgreSQL %s, %s dev chain it started; settlement and reconcile on), started in %.1f s%s
                client  : this JVM, a separate process; HTTP/1.1 keep-alive, one connection per client; Idempotency-Key on every POST
                machine : %d cores, Java %s (%s), %s
                floor   : %.0f signature recoveries/s on one core (the service's Secp256k1Recovery, warmed up, service not running)
                workload: %d accounts (FULL), %d cash-outs (≤ %d s) per phase at %s clients, %d at %d clients on one account, credits %d items a request
                """, s.label().isEmpty() ? "" : "(" + s.label() + ") ", ServiceProcess.packagedJar().getFileName(), facts.postgresVersion(),
                s.chain(), startSeconds, serviceProperties(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"),
                System.getProperty("java.vendor"), quiet, floor, s.accounts(), s.cashoutsPerPhase(), s.phaseMaxSeconds(),
                s.concurrency().stream().map(String::valueOf).collect(Collectors.joining("/")), s.singleAccountCashouts(),
                s.singleAccountClients(), s.creditItems());
    }

    /** The settings given with {@code -Dbench.service.NAME=VALUE} (every benchmark that starts the service), by name. */
    static java.util.SortedMap<String, String> givenServiceProperties() {
        java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
        for (String n : System.getProperties().stringPropertyNames()) {
            if (n.startsWith(SERVICE_PROPERTY_PREFIX)) out.put(n.substring(SERVICE_PROPERTY_PREFIX.length()), System.getProperty(n));
        }
        return out;
    }

    /** The settings given with {@code -Dbench.service.*}, as the header prints them. */
    static String serviceProperties() {
        String given = givenServiceProperties().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
        return given.isEmpty() ? "" : "; with " + given;
    }

    /** Waits (bounded) until the 1-minute load average is at most {@code maxLoad}; says what it saw. */
    static String awaitQuietMachine(LoadSettings s) {
        String first = ServerFacts.loadAverage();
        long started = System.nanoTime();
        long deadline = started + s.quietWaitSeconds() * 1_000_000_000L;
        while (ServerFacts.loadAverage1() > s.maxLoad() && System.nanoTime() < deadline) {
            System.out.println("bench: load average " + ServerFacts.loadAverage() + " above " + s.maxLoad() + ", waiting");
            LoadScenario.sleep(15_000);
        }
        double waited = (System.nanoTime() - started) / 1e9;
        String now = ServerFacts.loadAverage();
        return LoadReport.format("load average %s before the service started (%s when first checked, waited %.0f s%s)", now, first, waited,
                ServerFacts.loadAverage1() <= s.maxLoad() ? "" : ", still above " + s.maxLoad() + ": NOT A QUIET MACHINE");
    }
}
