package io.microsettle.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.chain.DevChain;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceProcess;
import io.microsettle.testsupport.SharedBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.microsettle.testsupport.ServiceClient.expect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code ./microsettle verify} as an auditor runs it: a separate OS process of the packaged application, started with
 * the launcher's java command, with nothing left running but the chain. One replica of the packaged service (on an
 * embedded PostgreSQL and an Anvil dev chain, anchoring the audit log after a few events or seconds) settles two
 * cash-outs; an auditor saves one cash-out's proof bundle and the period's CSV export over HTTP. Then the service and
 * the PostgreSQL server are stopped, and the command, given no database setting, no data directory and no service
 * setting at all (an empty working directory, the environment without any {@code QUARKUS_*} or {@code MICROSETTLE_*}
 * variable), checks both files against Anvil alone: exit code 0 and a JSON report with every payout and anchor found
 * on chain; an export with one amount changed exits with 1 and the report names that line and cash-out. The working
 * directory stays without a {@code data} directory: the command booted neither the service nor its embedded defaults.
 */
class VerifyCommandProcessIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CASHOUTS = 2;
    static final long CREDIT_BASE_UNITS = 5_000_000;
    static final long CASHOUT_BASE_UNITS = 2_000_000;
    /** How long the cash-outs may take to settle and be anchored (a block a second, two confirmations). */
    static final Duration SETTLE_AND_ANCHOR_WAIT = Duration.ofSeconds(120);
    /** How long one verify run may take before it is killed. */
    static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(60);

    /** One run of the verify process: its command, environment, exit code and output. */
    record Run(List<String> command, Map<String, String> environment, int exitCode, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        JsonNode mismatch(String code) {
            for (JsonNode m : json().path("mismatches")) if (m.path("code").asText().equals(code)) return m;
            throw new AssertionError("no " + code + " mismatch in " + out + "\nstderr: " + err);
        }

        String shown() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void verifyRunsAsItsOwnProcessWithOnlyTheChainLeft() throws Exception {
        long started = System.nanoTime();
        Path work = ServiceFixtures.workDir("verify-process");
        Path auditorDir = Files.createDirectories(work.resolve("auditor"));
        Path bundleFile = auditorDir.resolve("bundle.json");
        Path exportFile = auditorDir.resolve("settlements.csv");
        String escrow;
        List<String> ids = new ArrayList<>();
        try (SharedBackends backends = SharedBackends.start(work, DevChain.Kind.ANVIL)) {
            String rpc = backends.chain.rpcUrl();
            Instant from = Instant.now().minusSeconds(60);
            // the service: one replica, anchoring after a few events or seconds; every other setting its default
            try (ServiceProcess service = backends.replica("replica").jvmOption("-XX:TieredStopAtLevel=1")
                    .systemProperty("microsettle.audit.anchor.interval", "1s")
                    .systemProperty("microsettle.audit.anchor.every-events", "5")
                    .systemProperty("microsettle.audit.anchor.every-seconds", "2")
                    .start()) {
                escrow = service.summaryValue("escrow").orElseThrow();
                ServiceClient client = backends.client(service);
                String integrator = client.token("demo", "integrator");
                String auditor = client.token("auditor-verify", "auditor");
                for (int i = 0; i < CASHOUTS; i++) {
                    ServiceClient.Account account = client.fundedAccount(integrator, CREDIT_BASE_UNITS);
                    ids.add(expect(client.cashout(integrator, account, CASHOUT_BASE_UNITS), 201).body().get("id").asText());
                }
                long deadline = System.nanoTime() + SETTLE_AND_ANCHOR_WAIT.toNanos();
                for (String id : ids) {
                    awaitStatus(client, integrator, id, "SETTLED", deadline);
                }
                // each cash-out's events covered by an anchored head: its proof bundle is served (409 not_anchored until then)
                ServiceClient.Reply bundle = null;
                for (String id : ids) bundle = awaitProof(client, auditor, id, deadline);
                Files.writeString(bundleFile, bundle.raw());
                Instant to = Instant.now().plusSeconds(1);
                HttpResponse<String> export = exportCsv(service.baseUri(), auditor, from, to);
                assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
                assertThat(export.headers().firstValue("Microsettle-Anchors")).as("the anchors covering the period")
                        .hasValueSatisfying(h -> assertThat(h).isNotBlank());
                Files.writeString(exportFile, export.body());
                assertThat(export.body()).contains(ids.get(0) + ",", ids.get(1) + ",");
            }
            // nothing left but the chain: the service is stopped, and so is its PostgreSQL server
            backends.postgres.close();
            assertThatThrownBy(backends::connect).as("the PostgreSQL server is gone").isInstanceOf(SQLException.class);

            // the genuine proof bundle and export verify against the chain alone
            Run proof = verify(auditorDir, "--rpc", rpc, "--proof", bundleFile.toString(), "--escrow", escrow, "--json");
            assertNoServiceSettings(proof);
            assertThat(proof.exitCode()).as(proof.shown()).isZero();
            JsonNode p = proof.json();
            assertThat(p.get("ok").asBoolean()).as(proof.shown()).isTrue();
            assertThat(p.get("mismatches")).as(proof.shown()).isEmpty();
            assertThat(p.get("kind").asText()).isEqualTo("proof bundle");
            assertThat(p.get("escrowPinned").asBoolean()).isTrue();
            assertThat(p.get("escrow").asText()).isEqualToIgnoringCase(escrow);
            assertThat(p.at("/counts/events").asInt()).as(proof.shown()).isPositive();
            assertThat(p.at("/counts/eventsIncluded").asInt()).isEqualTo(p.at("/counts/events").asInt());
            assertThat(p.at("/counts/anchorsOnChain").asInt()).isEqualTo(p.at("/counts/anchors").asInt()).isPositive();
            assertThat(p.at("/counts/payoutsMatched").asInt()).isEqualTo(p.at("/counts/payouts").asInt()).isEqualTo(1);

            Run genuine = verify(auditorDir, "--rpc", rpc, "--export", exportFile.toString(), "--escrow", escrow, "--json");
            assertNoServiceSettings(genuine);
            assertThat(genuine.exitCode()).as(genuine.shown()).isZero();
            JsonNode e = genuine.json();
            assertThat(e.get("ok").asBoolean()).as(genuine.shown()).isTrue();
            assertThat(e.get("mismatches")).as(genuine.shown()).isEmpty();
            assertThat(e.get("kind").asText()).isEqualTo("export");
            assertThat(e.at("/counts/payouts").asInt()).as(genuine.shown()).isEqualTo(CASHOUTS);
            assertThat(e.at("/counts/payoutsMatched").asInt()).isEqualTo(CASHOUTS);
            assertThat(e.at("/counts/anchorsOnChain").asInt()).isEqualTo(e.at("/counts/anchors").asInt()).isPositive();

            // one amount changed (gross kept equal to net + fee): exit 1, and the report names the line and the cash-out
            List<String> lines = Files.readAllLines(exportFile);
            List<String> header = List.of(lines.stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow().split(",", -1));
            String id = ids.get(1);
            int at = -1;
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith(id + ",")) at = i;
            assertThat(at).as("the row of %s in%n%s", id, String.join("\n", lines)).isNotNegative();
            String[] f = lines.get(at).split(",", -1);
            long net = Long.parseLong(f[header.indexOf("net")]);
            f[header.indexOf("net")] = Long.toString(net + 1);
            f[header.indexOf("gross")] = Long.toString(Long.parseLong(f[header.indexOf("gross")]) + 1);
            List<String> tampered = new ArrayList<>(lines);
            tampered.set(at, String.join(",", f));
            Path tamperedFile = auditorDir.resolve("settlements-tampered.csv");
            Files.writeString(tamperedFile, String.join("\n", tampered) + "\n");
            Run bad = verify(auditorDir, "--rpc", rpc, "--export", tamperedFile.toString(), "--escrow", escrow, "--json");
            assertNoServiceSettings(bad);
            assertThat(bad.exitCode()).as(bad.shown()).isEqualTo(VerifyCommand.MISMATCH);
            assertThat(bad.json().get("ok").asBoolean()).isFalse();
            JsonNode m = bad.mismatch("net_amount");
            assertThat(m.get("subject").asText()).isEqualTo("line " + (at + 1) + " (cash-out " + id + ")");
            assertThat(m.get("detail").asText()).contains("says " + net + ", the file says " + (net + 1));
            assertThat(bad.json().get("mismatches")).as("only the changed row is named")
                    .allSatisfy(x -> assertThat(x.get("subject").asText()).contains(id));

            // neither the service nor its embedded defaults ran: the auditor's directory holds only the files written to it
            try (Stream<Path> files = Files.list(auditorDir)) {
                assertThat(files.map(x -> x.getFileName().toString()).toList())
                        .containsExactlyInAnyOrder("bundle.json", "settlements.csv", "settlements-tampered.csv");
            }
            System.out.printf("verify process: proof bundle of %s (%d events) and an export of %d payouts verified against Anvil "
                            + "alone, a changed amount named at line %d; %d s in all%n", ids.get(CASHOUTS - 1),
                    p.at("/counts/events").asInt(), e.at("/counts/payouts").asInt(), at + 1,
                    Duration.ofNanos(System.nanoTime() - started).toSeconds());
        }
    }

    /** Polls the cash-out until it has {@code status}. */
    static void awaitStatus(ServiceClient client, String token, String id, String status, long deadlineNanos) throws InterruptedException {
        String last = null;
        while (System.nanoTime() < deadlineNanos) {
            last = expect(client.get(token, "/v1/cashouts/" + id), 200).body().path("status").asText();
            if (last.equals(status)) return;
            Thread.sleep(500);
        }
        throw new AssertionError("cash-out " + id + " is " + last + ", not " + status + ", after " + SETTLE_AND_ANCHOR_WAIT);
    }

    /** Polls the cash-out's proof bundle until it is served (its events covered by an anchored head). */
    static ServiceClient.Reply awaitProof(ServiceClient client, String token, String id, long deadlineNanos) throws InterruptedException {
        ServiceClient.Reply last = null;
        while (System.nanoTime() < deadlineNanos) {
            last = client.get(token, "/v1/audit/cashouts/" + id + "/proof");
            if (last.status() == 200) return last;
            assertThat(last.status()).as(last.raw()).isEqualTo(409);
            Thread.sleep(500);
        }
        throw new AssertionError("no proof bundle of " + id + " after " + SETTLE_AND_ANCHOR_WAIT + ": " + (last == null ? "" : last.raw()));
    }

    /** {@code GET /v1/audit/export?from=&to=} (CSV, the default), as the README's walkthrough fetches it. */
    static HttpResponse<String> exportCsv(URI base, String token, Instant from, Instant to) throws InterruptedException {
        URI uri = base.resolve("/v1/audit/export?from=" + URLEncoder.encode(from.toString(), StandardCharsets.UTF_8)
                + "&to=" + URLEncoder.encode(to.toString(), StandardCharsets.UTF_8));
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code microsettle verify ARGS} as the launcher does ({@code java --enable-native-access=ALL-UNNAMED -jar
     * quarkus-run.jar verify ...}, no other option), in {@code dir}, with the environment stripped of every setting of
     * the service; kills it after {@link #VERIFY_TIMEOUT}.
     */
    static Run verify(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                ServiceProcess.packagedJar().toString(), "verify"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().keySet().removeIf(VerifyCommandProcessIT::serviceSetting);
        Path out = Files.createTempFile(dir.getParent(), "verify-", ".out");
        Path err = Files.createTempFile(dir.getParent(), "verify-", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = pb.start();
        try {
            if (!process.waitFor(VERIFY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("verify did not end within " + VERIFY_TIMEOUT + " (killed): " + String.join(" ", cmd)
                        + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
        } finally {
            if (process.isAlive()) process.destroyForcibly();
        }
        return new Run(List.copyOf(cmd), Map.copyOf(pb.environment()), process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** An environment variable that would configure the service (its database, data directory, chain, profile...). */
    static boolean serviceSetting(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        return n.startsWith("QUARKUS_") || n.startsWith("MICROSETTLE_") || n.equals("JAVA_TOOL_OPTIONS") || n.equals("JDK_JAVA_OPTIONS")
                || n.equals("_JAVA_OPTIONS");
    }

    /** The process got no database setting and no data directory, and did not boot the service. */
    static void assertNoServiceSettings(Run run) {
        assertThat(run.command()).as("the verify command line").noneMatch(a -> a.startsWith("-D"))
                .noneMatch(a -> a.toLowerCase(Locale.ROOT).contains("datasource"));
        assertThat(run.environment().keySet()).as("the verify environment").noneMatch(VerifyCommandProcessIT::serviceSetting)
                .noneMatch(k -> k.toUpperCase(Locale.ROOT).contains("DATASOURCE"));
        assertThat(run.out() + run.err()).as("no service booted").doesNotContain(ServiceProcess.RUNNING_LINE, "Installed features",
                "Flyway", "Listening on");
    }

    /** The java of this JVM (the launcher's {@code $JAVA_HOME/bin/java}). */
    static String java() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
