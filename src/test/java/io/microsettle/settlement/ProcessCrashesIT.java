package io.microsettle.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevChain;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceProcess;
import io.microsettle.testsupport.SharedBackends;
import io.microsettle.testsupport.Wallets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.microsettle.testsupport.ServiceClient.expect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The service killed for real at each settlement step: the packaged service as a child process (docker-compose's
 * replica settings on a shared PostgreSQL and Anvil, {@link SharedBackends}) started with
 * {@code -Dmicrosettle.test.crash-at=<point>}, which halts its JVM at that point as {@code kill -9} would (exit code
 * 137, no shutdown hook); cash-outs requested over HTTP until it dies there; then the service started again without
 * the crash point on the same database and chain. Afterwards every cash-out is SETTLED (or FAILED with its hold
 * released), no payout id is paid twice on chain, the ledger check and the audit chain are ok
 * ({@link ProcessInvariants}). One start with the crash point and one restart per point; the points run one after the
 * other on the same database and chain, each checking every cash-out so far. The anchorer likewise: halted after it
 * stored a signed anchor and before it broadcast it, then restarted, it sends that same anchor once. And a cash-out
 * request halted after its commit, before its answer: the client's retry with the same key replays it.
 */
class ProcessCrashesIT {
    static final String CRASH_AT = "microsettle.test.crash-at";
    /** Leases short enough that the restart takes the halted process's lanes over within seconds. */
    static final String LEASE_MILLIS = "5000";
    static final int CASHOUTS_PER_POINT = 4;
    /** From the last cash-out to the halt: a batch, its broadcast, a few blocks for the receipt check or the logs. */
    static final Duration DEATH_WAIT = Duration.ofSeconds(90);
    static final Duration SETTLE_WAIT = Duration.ofSeconds(120);
    /** Cash-outs whose events make an anchor due (on a fresh database; older unanchored events may make it due first). */
    static final int CASHOUTS_FOR_ANCHOR = 3;
    /** From the restart to its anchor recorded: the lease taken over, the stored transaction sent, mined and 2 blocks deep. */
    static final Duration ANCHOR_WAIT = Duration.ofSeconds(90);

    static SharedBackends backends;

    @BeforeAll
    static void start() {
        backends = SharedBackends.start(ServiceFixtures.workDir("process-crashes"), DevChain.Kind.ANVIL);
    }

    @AfterAll
    static void stop() {
        if (backends != null) backends.close();
    }

    /**
     * A replica with short leases (the settler's, the reconciler's, the anchorer's). Its JVM compiles with C1 only: these
     * processes live for seconds, and their start is most of this suite's time on a machine of two cores.
     */
    static ServiceProcess.Builder service(SharedBackends backends, String name) {
        return backends.replica(name).jvmOption("-XX:TieredStopAtLevel=1")
                .systemProperty("microsettle.settlement.lease-millis", LEASE_MILLIS)
                .systemProperty("microsettle.reconcile.lease-millis", LEASE_MILLIS)
                .systemProperty("microsettle.audit.anchor.lease-millis", LEASE_MILLIS);
    }

    /** Anchoring within seconds of a few events: ticks every second, an anchor due at 10 events or after 3 s. */
    static ServiceProcess.Builder anchoringOften(ServiceProcess.Builder b) {
        return b.systemProperty("microsettle.audit.anchor.interval", "1s")
                .systemProperty("microsettle.audit.anchor.every-events", "10")
                .systemProperty("microsettle.audit.anchor.every-seconds", "3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"settlement.after-sign", "settlement.after-broadcast", "settlement.before-receipt", "reconcile.mid-range"})
    void haltedAtThePointAndRestartedEveryCashoutEndsOncePaid(String point) throws Exception {
        long started = System.nanoTime();
        String escrow;
        List<String> accepted;
        try (ServiceProcess crashing = service(backends, "halt-at-" + point).systemProperty(CRASH_AT, point).start()) {
            escrow = crashing.summaryValue("escrow").orElseThrow();
            accepted = ProcessInvariants.cashouts(backends.client(crashing), CASHOUTS_PER_POINT);
            assertThat(accepted).as("cash-outs accepted before the halt").isNotEmpty();
            Optional<Integer> exit = crashing.awaitExit(DEATH_WAIT);
            assertThat(exit).as("the service halted at %s:%n%s", point, crashing.tail(40)).contains(137);
            assertThat(crashing.output()).as("halted where it was told").anyMatch(l -> l.contains("crash point " + point + ": halting the JVM"));
        }
        long halted = System.nanoTime();
        try (ServiceProcess restarted = service(backends, "restart-after-" + point).start()) {
            assertThat(restarted.summaryValue("escrow")).as("the same deployment").contains(escrow);
            ServiceClient client = backends.client(restarted);
            List<ProcessInvariants.Cashout> all = ProcessInvariants.awaitAllFinal(backends, SETTLE_WAIT);
            assertThat(all).extracting(ProcessInvariants.Cashout::id).containsAll(accepted);
            ProcessInvariants.Report report = ProcessInvariants.check(backends, client, escrow);
            assertThat(report.settled()).as("every cash-out of the demo integrator (funded) settles").isEqualTo(report.cashouts());
            System.out.printf("crash at %s: %d cash-outs accepted before the halt; %d s to the halt, %d s to recover; %s%n", point,
                    accepted.size(), Duration.ofNanos(halted - started).toSeconds(), Duration.ofNanos(System.nanoTime() - halted).toSeconds(),
                    report);
        }
    }

    /**
     * A creating request halted after its commit, before its answer (the JVM halted as {@code kill -9} would): the client's
     * connection ends with no answer, and its retry with the same {@code Idempotency-Key} against the restarted service
     * gets what was made (replayed), not 409 {@code idempotency_in_progress} (the key claimed and never completed, as
     * before each response was stored in its request's commit), nor a second account, quote or cash-out. One chain of
     * processes, each halting at the next point: an account creation, then a quote, then a cash-out, which then settles once.
     */
    @Test
    void haltedAfterEachCreatingRequestCommittedTheRetryReplaysIt() throws Exception {
        String escrow;
        String externalRef = "user-" + UUID.randomUUID();
        Map<String, String> accountBody = Map.of("externalRef", externalRef);
        String accountKey = UUID.randomUUID().toString();
        try (ServiceProcess crashing = service(backends, "halt-at-accounts").systemProperty(CRASH_AT, "accounts.after-commit").start()) {
            escrow = crashing.summaryValue("escrow").orElseThrow();
            ServiceClient client = backends.client(crashing);
            String demo = client.token("demo", "integrator");
            diesAt(crashing, "accounts.after-commit", () -> client.post(demo, "/v1/accounts", accountBody, accountKey));
        }
        List<String> accounts = rows("SELECT id FROM accounts WHERE external_ref = ?", externalRef);
        assertThat(accounts).as("the account committed before the halt").hasSize(1);

        String quoteKey = UUID.randomUUID().toString();
        Map<String, String> quoteBody;
        ServiceClient.Account funded;
        try (ServiceProcess crashing = service(backends, "halt-at-quotes").systemProperty(CRASH_AT, "quotes.after-commit").start()) {
            ServiceClient client = backends.client(crashing);
            String demo = client.token("demo", "integrator");
            replaysTheOneMade(client.post(demo, "/v1/accounts", accountBody, accountKey), accounts,
                    "SELECT id FROM accounts WHERE external_ref = ?", externalRef);

            funded = client.fundedAccount(demo, 10 * ProcessInvariants.TUSD);
            quoteBody = Map.of("accountId", funded.id(), "amount", Long.toString(3 * ProcessInvariants.TUSD));
            diesAt(crashing, "quotes.after-commit", () -> client.post(demo, "/v1/quotes", quoteBody, quoteKey));
        }
        List<String> quotes = rows("SELECT id FROM quotes WHERE account_id = ?", funded.id());
        assertThat(quotes).as("the quote committed before the halt").hasSize(1);

        String cashoutKey = UUID.randomUUID().toString();
        Map<String, String> body;
        try (ServiceProcess crashing = service(backends, "halt-at-cashouts").systemProperty(CRASH_AT, "cashout.after-commit").start()) {
            ServiceClient client = backends.client(crashing);
            String demo = client.token("demo", "integrator");
            ServiceClient.Reply quote = replaysTheOneMade(client.post(demo, "/v1/quotes", quoteBody, quoteKey), quotes,
                    "SELECT id FROM quotes WHERE account_id = ?", funded.id());

            body = Map.of("quoteId", quotes.getFirst(), "signature", Wallets.signTypedData(quote.body().get("typedData").toString(), funded.wallet()));
            diesAt(crashing, "cashout.after-commit", () -> client.post(demo, "/v1/cashouts", body, cashoutKey));
        }
        List<String> made = rows("SELECT id FROM cashouts WHERE quote_id = ?", body.get("quoteId"));
        assertThat(made).as("the cash-out committed before the halt").hasSize(1);

        try (ServiceProcess restarted = service(backends, "restart-after-cashouts").start()) {
            ServiceClient client = backends.client(restarted);
            String demo = client.token("demo", "integrator");
            ServiceClient.Reply retry = replaysTheOneMade(client.post(demo, "/v1/cashouts", body, cashoutKey), made,
                    "SELECT id FROM cashouts WHERE quote_id = ?", body.get("quoteId"));
            assertThat(client.post(demo, "/v1/cashouts", body, cashoutKey).raw()).as("replayed again, byte for byte").isEqualTo(retry.raw());

            List<ProcessInvariants.Cashout> all = ProcessInvariants.awaitAllFinal(backends, SETTLE_WAIT);
            assertThat(all).extracting(ProcessInvariants.Cashout::id).contains(made.getFirst());
            ProcessInvariants.Report report = ProcessInvariants.check(backends, client, escrow);
            assertThat(report.settled()).as("every cash-out of the demo integrator (funded) settles").isEqualTo(report.cashouts());
        }
    }

    /** The retry of a request whose process died past its commit: 201 with what was made, and still only that ({@code rowsSql}). */
    private static ServiceClient.Reply replaysTheOneMade(ServiceClient.Reply retry, List<String> made, String rowsSql, String param)
            throws Exception {
        assertThat(retry.status()).as("the retry: %s", retry.raw()).isEqualTo(201);
        assertThat(retry.body().path("id").asText()).isEqualTo(made.getFirst());
        assertThat(rows(rowsSql, param)).as("still one: %s", rowsSql).isEqualTo(made);
        return retry;
    }

    /** {@code request} gets no answer, and {@code process} halted at {@code point} (exit 137) and said so. */
    private static void diesAt(ServiceProcess process, String point, Runnable request) {
        assertThatThrownBy(request::run).as("no answer: the process died at %s", point).isInstanceOf(UncheckedIOException.class);
        assertThat(process.awaitExit(DEATH_WAIT)).as("the service halted at %s:%n%s", point, process.tail(40)).contains(137);
        assertThat(process.output()).as("halted where it was told").anyMatch(l -> l.contains("crash point " + point + ": halting the JVM"));
    }

    /** The first column of {@code sql} with its one text parameter. */
    private static List<String> rows(String sql, String param) throws Exception {
        try (Connection c = backends.connect(); var st = c.prepareStatement(sql)) {
            st.setString(1, param);
            List<String> ids = new ArrayList<>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
            return ids;
        }
    }

    /**
     * Issue 14's "a restart continues from the last anchor" with a real kill: the anchorer halts the JVM (exit 137) right
     * after it stored its signed anchor (SENT) and before it broadcast it; the restarted service sends that stored
     * transaction (the same hash, the same seq), records it, and the escrow has exactly one AuditAnchored log of that seq.
     * Only this anchor's seq is asserted on: the database and chain are shared with the other points, and whatever
     * events they left unanchored may make the anchor due before this test's own cash-outs are in.
     */
    @Test
    void haltedAfterStoringAnAnchorTheRestartSendsThatAnchorOnce() throws Exception {
        String point = "anchor.after-store";
        long started = System.nanoTime();
        List<String> accepted = List.of();
        try (ServiceProcess crashing = anchoringOften(service(backends, "halt-at-" + point)).systemProperty(CRASH_AT, point)
                .waitUntilRunning(false).start()) {
            try {
                crashing.awaitRunning(Duration.ofSeconds(180));
                accepted = ProcessInvariants.cashouts(backends.client(crashing), CASHOUTS_FOR_ANCHOR);
            } catch (IllegalStateException | UncheckedIOException cutOff) {
                // halted before it was running or while the cash-outs came in (older unanchored events made the anchor due)
                if (crashing.awaitExit(Duration.ofSeconds(10)).isEmpty()) throw cutOff;
            }
            Optional<Integer> exit = crashing.awaitExit(DEATH_WAIT);
            assertThat(exit).as("the service halted at %s:%n%s", point, crashing.tail(40)).contains(137);
            assertThat(crashing.output()).as("halted where it was told").anyMatch(l -> l.contains("crash point " + point + ": halting the JVM"));
        }
        long halted = System.nanoTime();

        // the anchor stored before the halt: SENT, never broadcast (the only one in flight)
        long seq;
        String txHash;
        try (Connection c = backends.connect(); var rs = c.createStatement().executeQuery(
                "SELECT seq, tx_hash FROM audit_anchors WHERE state = 'SENT'")) {
            assertThat(rs.next()).as("an anchor stored (SENT) before the halt").isTrue();
            seq = rs.getLong(1);
            txHash = rs.getString(2);
            assertThat(rs.next()).as("one anchor in flight").isFalse();
        }
        Web3j web3j = Web3j.build(new HttpService(backends.chain.rpcUrl()));
        try {
            assertThat(web3j.ethGetTransactionByHash(txHash).send().getTransaction()).as("anchor %s never broadcast", txHash).isEmpty();

            try (ServiceProcess restarted = anchoringOften(service(backends, "restart-after-" + point)).start()) {
                String escrow = restarted.summaryValue("escrow").orElseThrow();
                ServiceClient client = backends.client(restarted);
                String auditor = client.token("auditor-" + UUID.randomUUID(), "auditor");
                JsonNode anchor = awaitAnchor(client, auditor, seq);
                assertThat(anchor.path("txHash").asText()).as("anchor %s: the stored transaction, not a new one", anchor).isEqualToIgnoringCase(txHash);
                assertThat(anchor.path("blockNumber").asLong()).as("anchor %s mined", anchor).isPositive();
                try (Connection c = backends.connect(); var s = c.prepareStatement("SELECT state FROM audit_anchors WHERE seq = ?")) {
                    s.setLong(1, seq);
                    List<String> rows = new ArrayList<>();
                    try (var rs = s.executeQuery()) {
                        while (rs.next()) rows.add(rs.getString(1));
                    }
                    assertThat(rows).as("rows of anchor %d", seq).containsExactly("ANCHORED");
                }

                List<Log> logs = auditAnchoredLogs(web3j, escrow, seq);
                assertThat(logs).as("AuditAnchored logs of seq %d", seq).hasSize(1);
                Log log = logs.getFirst();
                SettlementEscrow.AuditAnchoredEventResponse event = SettlementEscrow.getAuditAnchoredEventFromLog(log);
                assertThat(event.seq).isEqualTo(BigInteger.valueOf(seq));
                assertThat(HexFormat.of().formatHex(event.root)).as("root anchored").isEqualToIgnoringCase(anchor.path("root").asText());
                assertThat(log.getTransactionHash()).as("tx of the log").isEqualToIgnoringCase(txHash);
                assertThat(log.getBlockNumber().longValueExact()).as("block of the log").isEqualTo(anchor.path("blockNumber").asLong());

                // the cash-outs the halted process left are settled by the restart; then the usual invariants (audit verify ok)
                List<ProcessInvariants.Cashout> all = ProcessInvariants.awaitAllFinal(backends, SETTLE_WAIT);
                assertThat(all).extracting(ProcessInvariants.Cashout::id).containsAll(accepted);
                ProcessInvariants.Report report = ProcessInvariants.check(backends, client, escrow);
                JsonNode verify = expect(client.get(auditor, "/v1/audit/verify"), 200).body();
                assertThat(verify.path("ok").asBoolean()).as("audit verify %s", verify).isTrue();
                assertThat(verify.at("/anchor/seq").asLong()).as("audit verify %s checked against an anchor at or after %d", verify, seq)
                        .isGreaterThanOrEqualTo(seq);
                System.out.printf("crash at %s: %d cash-outs accepted before the halt, anchor %d (tx %s) stored; %d s to the halt, "
                                + "%d s to the anchor mined once and the checks; %s%n", point, accepted.size(), seq, txHash,
                        Duration.ofNanos(halted - started).toSeconds(), Duration.ofNanos(System.nanoTime() - halted).toSeconds(), report);
            }
        } finally {
            web3j.shutdown();
        }
    }

    /** Polls GET /v1/audit/anchors (the page after seq - 1) until it lists the anchor of {@code seq}; at most {@link #ANCHOR_WAIT}. */
    static JsonNode awaitAnchor(ServiceClient client, String auditor, long seq) throws InterruptedException {
        long deadline = System.nanoTime() + ANCHOR_WAIT.toNanos();
        JsonNode page = null;
        while (System.nanoTime() < deadline) {
            page = expect(client.get(auditor, "/v1/audit/anchors?limit=1&cursor=" + (seq - 1)), 200).body();
            JsonNode first = page.path("data").path(0);
            if (first.path("seq").asLong() == seq) return first;
            Thread.sleep(500);
        }
        throw new AssertionError("anchor " + seq + " not listed within " + ANCHOR_WAIT.toSeconds() + " s: " + page);
    }

    /** The escrow's AuditAnchored logs of {@code seq} (its indexed topic), from the chain's first block. */
    static List<Log> auditAnchoredLogs(Web3j web3j, String escrow, long seq) throws Exception {
        EthFilter filter = new EthFilter(DefaultBlockParameterName.EARLIEST, DefaultBlockParameterName.LATEST, escrow);
        filter.addSingleTopic(EventEncoder.encode(SettlementEscrow.AUDITANCHORED_EVENT));
        filter.addSingleTopic(Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(seq), 64));
        EthLog ethLog = web3j.ethGetLogs(filter).send();
        if (ethLog.hasError()) throw new AssertionError("eth_getLogs: " + ethLog.getError().getMessage());
        List<Log> out = new ArrayList<>();
        for (EthLog.LogResult<?> lr : ethLog.getLogs()) out.add((Log) lr.get());
        return out;
    }
}
