package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.ledger.LedgerService;
import io.microsettle.reconcile.ReconcileService;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.RpcProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Shared by the fault suite: the service runs settlement and reconcile only when the test drives a
 * pass (schedulers off), talks to Anvil through {@link RpcProxy} ({@link ChainTestResource#proxy}), and
 * the test talks to Anvil directly (to mine, snapshot, revert, read logs). Each case ends with
 * {@link SettlementInvariants}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractFaultTest {
    static final Logger LOG = Logger.getLogger(AbstractFaultTest.class);
    /** The class's finality (see the init args of the subclasses). */
    static final int CONFIRMATIONS = 3;

    @Inject AgroalDataSource ds;
    @Inject LedgerService ledger;
    @Inject SettlementService settlement;
    @Inject ReconcileService reconcile;
    @Inject SettlementInvariants invariants;
    @Inject DbRows rows;

    /** The shared chain and database steps of the settlement tests; {@link #web3j} is its client. */
    ChainSteps chain;
    Web3j web3j;

    @BeforeAll
    void connect() {
        chain = new ChainSteps(ds, rows);
        web3j = chain.web3j;
    }

    @AfterAll
    void close() {
        chain.close();
    }

    /** Every cash-out a case queued: whatever a failed case left unfinished is driven to its end before the next case. */
    final List<String> queued = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void healNodeAndFinish() throws Exception {
        io.microsettle.infra.CrashPoints.disarmAll();
        proxy().healthy();
        rpc("evm_setAutomine", List.of(false));
        rpc("evm_setIntervalMining", List.of(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!allFinal(queued) && System.nanoTime() < deadline) {
            pass();
            Thread.sleep(300);
        }
    }

    RpcProxy proxy() {
        return ChainTestResource.proxy;
    }

    String queue(String ref, long gross) {
        return queue("demo", ref, gross);
    }

    String queue(String integrator, String ref, long gross) {
        String co = QuarkusTransaction.requiringNew().call(() -> new TestCashouts(ds, ledger).queued(integrator, ref,
                TestCashouts.randomAddress(), gross, gross / 100));
        queued.add(co);
        return co;
    }

    /** A QUEUED cash-out put into a batch whose transaction is signed and stored, not sent. */
    record Batched(String cashout, String txHash, String batchId, long nonce) {}

    Batched batchedOne(String ref) {
        String co = queue(ref, 2_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String tx = firstTx(co);
        return new Batched(co, tx, one("SELECT batch_id FROM cashouts WHERE id = ?", co),
                count("SELECT nonce FROM settlement_txs WHERE tx_hash = ?", tx));
    }

    /** The batch was cancelled with its transaction never mined, and a later batch paid the cash-out (once). */
    void assertPaidByALaterBatch(Batched b) throws Exception {
        untilFinal(List.of(b.cashout()), 60);
        assertThat(status(b.cashout())).isEqualTo("SETTLED");
        assertThat(receipt(b.txHash())).as("the first transaction was never mined").isEmpty();
        assertThat(one("SELECT status FROM settlement_batches WHERE id = ?", b.batchId())).isEqualTo("CANCELLED");
        assertThat(one("SELECT batch_id FROM cashouts WHERE id = ?", b.cashout())).isNotEqualTo(b.batchId());
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'batch.cancelled' AND subject = ?", b.batchId())).isEqualTo(1);
        assertInvariants(List.of(b.cashout()));
    }

    /** One settlement pass and one reconcile pass, as the schedulers run them (a failing pass is logged, not fatal). */
    void pass() {
        try {
            settlement.tick();
        } catch (RuntimeException e) {
            LOG.infof("settlement pass failed: %s", e.getMessage());
        }
        try {
            reconcile.tick();
        } catch (RuntimeException e) {
            LOG.infof("reconcile pass failed: %s", e.getMessage());
        }
    }

    /** Passes (blocks mined by Anvil meanwhile) until every cash-out is SETTLED or FAILED, at most {@code seconds}. */
    void untilFinal(Collection<String> cashouts, int seconds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (!allFinal(cashouts) && System.nanoTime() < deadline) {
            pass();
            Thread.sleep(300);
        }
        for (String c : cashouts) assertThat(status(c)).as("cash-out %s after %d s of passes", c, seconds).isIn("SETTLED", "FAILED");
    }

    /** Every cash-out SETTLED or FAILED, and its batch's transactions all closed (a crash may leave one to catch up on). */
    boolean allFinal(Collection<String> cashouts) {
        for (String c : cashouts) {
            String s = status(c);
            if (!s.equals("SETTLED") && !s.equals("FAILED")) return false;
            if (count("SELECT count(*) FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ? "
                    + "AND t.status IN ('SIGNED', 'BROADCAST')", c) > 0) return false;
        }
        return true;
    }

    SettlementInvariants.Report assertInvariants(Collection<String> cashouts) throws Exception {
        SettlementInvariants.Report r = invariants.check(web3j, ChainTestResource.deployment.escrow(), cashouts);
        LOG.infof("invariants hold: %s", r);
        return r;
    }

    // ---------------------------------------------------------------- chain control (direct, not through the proxy)

    void manualMining() throws Exception {
        rpc("evm_setAutomine", List.of(false));
        rpc("evm_setIntervalMining", List.of(0));
    }

    void intervalMining() throws Exception {
        rpc("evm_setIntervalMining", List.of(1));
    }

    long head() throws Exception {
        return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    }

    Optional<TransactionReceipt> receipt(String txHash) throws Exception {
        return web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
    }

    boolean nodeKnows(String txHash) throws Exception {
        return web3j.ethGetTransactionByHash(txHash).send().getTransaction().isPresent();
    }

    TransactionReceipt waitForReceipt(String txHash) throws Exception {
        return chain.receipt(txHash);
    }

    String rpc(String method, List<Object> params) throws Exception {
        return chain.rpc(method, params);
    }

    // ---------------------------------------------------------------- database reads

    String status(String co) {
        return chain.status(co);
    }

    /** The hash of the (first) transaction signed for the cash-out's batch. */
    String firstTx(String co) {
        return one("SELECT t.tx_hash FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ? ORDER BY t.id LIMIT 1", co);
    }

    /** Queries of the audit log first wait for the sealer to link every committed event. */
    String one(String sql, Object... args) {
        return chain.one(sql, args);
    }

    long count(String sql, Object... args) {
        return chain.count(sql, args);
    }
}
