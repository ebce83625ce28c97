package io.microsettle.settlement;

import io.microsettle.infra.Db;
import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.DevAccounts;
import io.microsettle.ledger.LedgerService;
import io.microsettle.reconcile.ReconcileService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * Settlement and reconciliation driven tick by tick (schedulers off) on Anvil: crash safety of the stored
 * transaction, a reverted batch (FAILED, hold released), an unknown on-chain payout (discrepancy), a reorg.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class SettlementRecoveryTest {

    @Inject AgroalDataSource ds;
    @Inject LedgerService ledger;
    @Inject SettlementService settlement;
    @Inject ReconcileService reconcile;
    @Inject io.microsettle.testsupport.DbRows rows;

    HttpService http;
    Web3j web3j;

    @BeforeAll
    void connect() {
        http = new HttpService(ChainTestResource.rpcUrl);
        web3j = Web3j.build(http);
    }

    @AfterAll
    void close() {
        web3j.shutdown();
    }

    TestCashouts cashouts() {
        return new TestCashouts(ds, ledger);
    }

    @Test
    @Order(1)
    void signedTransactionIsStoredBeforeBroadcastAndRebroadcastIsHarmless() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("crash", TestCashouts.randomAddress(), 3_000_000, 30_000));
        assertThat(settlement.createBatches()).isEqualTo(1);
        // stored, signed, not yet sent: the node has never seen it
        String txHash = one("SELECT t.tx_hash FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ? AND t.status = 'SIGNED'", co);
        assertThat(Hash.sha3(one("SELECT raw_tx FROM settlement_txs WHERE tx_hash = ?", txHash))).isEqualTo(txHash);
        assertThat(status(co)).isEqualTo("BATCHED");
        assertThat(web3j.ethGetTransactionByHash(txHash).send().getTransaction()).isEmpty();

        // "restart": the stored transaction is broadcast
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        assertThat(status(co)).isEqualTo("SUBMITTED");
        waitForReceipt(txHash);

        // a crash after the broadcast but before the row was marked: sending it again is accepted
        Db.update(ds, "UPDATE settlement_txs SET status = 'SIGNED' WHERE tx_hash = ?", txHash);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txHash)).isEqualTo("BROADCAST");

        settleByReconciling(co);
        assertThat(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(txHash);
        var b = ledger.balances(one("SELECT account_id FROM cashouts WHERE id = ?", co));
        assertThat(b.heldBaseUnits()).isZero();
        assertThat(b.availableBaseUnits()).isZero();
    }

    @Test
    @Order(2)
    void revertedBatchFailsItsCashoutsAndReleasesTheHoldOnlyOnceFinal() throws Exception {
        // the funder of integrator "unfunded" has no escrow deposit: settleBatch reverts (the escrow's caps cannot tell)
        long gross = 3_000_000L;
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("unfunded", "revert", TestCashouts.randomAddress(), gross, 0));
        String account = one("SELECT account_id FROM cashouts WHERE id = ?", co);
        assertThat(ledger.balances(account).heldBaseUnits()).isEqualTo(gross);
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        String txHash = one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
        assertThat(waitForReceipt(txHash).isStatusOK()).isFalse();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!status(co).equals("FAILED") && System.nanoTime() < deadline) {
            settlement.checkSubmitted();
            Thread.sleep(500);
        }
        assertThat(status(co)).isEqualTo("FAILED");
        assertThat(one("SELECT reason FROM cashouts WHERE id = ?", co)).isEqualTo("settlement_reverted");
        var b = ledger.balances(account);
        assertThat(b.heldBaseUnits()).isZero();
        assertThat(b.availableBaseUnits()).isEqualTo(gross);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txHash)).isEqualTo("REVERTED");
        // FAILED only once the revert's block had the configured confirmations
        long revertBlock = Long.parseLong(one("SELECT mined_block::text FROM settlement_txs WHERE tx_hash = ?", txHash));
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'cashout.failed' AND subject = '" + co + "'")).isEqualTo(1);
        assertThat(revertBlock).isPositive();
    }

    @Test
    @Order(2)
    void aPayoutOverTheEscrowsCapIsNeverSentAndStaysQueued() throws Exception {
        long tooBig = 20_000L * 1_000_000L; // above the escrow's 10k per-payout cap: settleBatch would revert
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("overcap", TestCashouts.randomAddress(), tooBig, 0));
        long txsBefore = count("SELECT count(*) FROM settlement_txs");
        settlement.tick();
        assertThat(status(co)).isEqualTo("QUEUED");
        assertThat(count("SELECT count(*) FROM settlement_txs")).isEqualTo(txsBefore);
        // out of the way of the later tests: as if an operator had rejected it
        QuarkusTransaction.requiringNew().run(() -> Db.update(ds, "UPDATE cashouts SET status = 'REJECTED' WHERE id = ?", co));
    }

    @Test
    @Order(3)
    void payoutWithNoLocalCashoutIsADiscrepancyNotAFix() throws Exception {
        // the settler key settles a payout id the service never assigned
        var settler = DevAccounts.defaults().settler();
        long nonce = web3j.ethGetTransactionCount(settler.getAddress(), DefaultBlockParameterName.PENDING).send().getTransactionCount().longValue();
        // keep the service's nonce lane in step with this outside use
        Db.update(ds, "UPDATE nonce_lanes SET next_nonce = GREATEST(next_nonce, ?)", nonce + 1);
        String data = SettleBatchCall.encode(900_001, DevAccounts.defaults().funder().getAddress(),
                List.of(new SettleBatchCall.Payout(900_001, TestCashouts.randomAddress(), 1_000, 0)));
        var raw = RawTransaction.createTransaction(1337, BigInteger.valueOf(nonce), BigInteger.valueOf(500_000),
                ChainTestResource.deployment.escrow(), BigInteger.ZERO, data, BigInteger.valueOf(1_000_000_000L), BigInteger.valueOf(100_000_000_000L));
        String hash = web3j.ethSendRawTransaction(Numeric.toHexString(TransactionEncoder.signMessage(raw, settler))).send().getTransactionHash();
        assertThat(waitForReceipt(hash).isStatusOK()).isTrue();
        long before = count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED'");
        reconcileUntil(() -> count("SELECT count(*) FROM discrepancies WHERE payout_id = 900001") > 0);
        assertThat(one("SELECT kind FROM discrepancies WHERE payout_id = 900001 AND tx_hash = ?", hash)).isEqualTo("UNKNOWN_PAYOUT");
        assertThat(count("SELECT count(*) FROM discrepancies WHERE kind = 'UNKNOWN_BATCH' AND chain_batch_id = 900001")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED'")).isEqualTo(before);
    }

    @Test
    @Order(4)
    void aTransactionTheNodeForgotIsSentAgainAsStored() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("drop", TestCashouts.randomAddress(), 5_000_000, 50_000));
        settlement.createBatches();
        String payoutId = one("SELECT payout_id::text FROM cashouts WHERE id = ?", co);
        // the node accepts the transaction, then loses it (no mining in between)
        rpc("evm_setAutomine", List.of(false));
        rpc("evm_setIntervalMining", List.of(0));
        String first;
        try {
            assertThat(settlement.broadcastStored()).isEqualTo(1);
            first = one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
            rpc("anvil_dropTransaction", List.of(first));
        } finally {
            rpc("evm_setIntervalMining", List.of(1));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (web3j.ethGetTransactionReceipt(first).send().getTransactionReceipt().isEmpty() && System.nanoTime() < deadline) {
            settlement.tick();
            Thread.sleep(500);
        }
        waitForReceipt(first);
        settleByReconciling(co);
        assertThat(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(first);
        assertThat(one("SELECT payout_id::text FROM cashouts WHERE id = ?", co)).isEqualTo(payoutId);
        assertThat(count("SELECT count(*) FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = '" + co + "'"))
                .isEqualTo(1);
    }

    @Test
    @Order(4)
    void aStuckTransactionIsReplacedWithBothFeesBumpedTheSameNonceAndPayoutIds() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("stuck", TestCashouts.randomAddress(), 5_000_000, 50_000));
        settlement.createBatches();
        String payoutId = one("SELECT payout_id::text FROM cashouts WHERE id = ?", co);
        java.math.BigInteger maxFee = new java.math.BigInteger(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs t "
                + "JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ?", co));
        // blocks are mined by hand with a base fee just above the transaction's max fee: it cannot be included
        rpc("evm_setAutomine", List.of(false));
        rpc("evm_setIntervalMining", List.of(0));
        String first;
        try {
            assertThat(settlement.broadcastStored()).isEqualTo(1);
            first = one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
            String high = "0x" + maxFee.multiply(java.math.BigInteger.valueOf(105)).divide(java.math.BigInteger.valueOf(100)).toString(16);
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (one("SELECT tx_hash FROM cashouts WHERE id = ?", co).equals(first) && System.nanoTime() < deadline) {
                rpc("anvil_setNextBlockBaseFeePerGas", List.of(high));
                rpc("evm_mine", List.of());
                settlement.tick();
            }
        } finally {
            rpc("evm_setIntervalMining", List.of(1));
        }
        String second = one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
        assertThat(second).isNotEqualTo(first);
        assertThat(status(co)).isEqualTo("SUBMITTED");
        waitForReceipt(second);
        settleByReconciling(co);
        assertThat(one("SELECT payout_id::text FROM cashouts WHERE id = ?", co)).isEqualTo(payoutId);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", first)).isEqualTo("REPLACED");
        // same nonce, fees up by at least 10 % each
        assertThat(one("SELECT (a.nonce = b.nonce AND b.max_fee_per_gas_wei * 10 >= a.max_fee_per_gas_wei * 11 "
                + "AND b.max_priority_fee_per_gas_wei * 10 >= a.max_priority_fee_per_gas_wei * 11)::text "
                + "FROM settlement_txs a JOIN settlement_txs b ON b.replaces_tx_id = a.id WHERE a.tx_hash = ?", first)).isEqualTo("true");
    }

    @Test
    @Order(5)
    void reorgSendsSettledCashoutBackToSubmittedAndNeverDebitsTwice() throws Exception {
        String snapshot = rpc("evm_snapshot", List.of());
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("reorg", TestCashouts.randomAddress(), 4_000_000, 40_000));
        String account = one("SELECT account_id FROM cashouts WHERE id = ?", co);
        settlement.createBatches();
        settlement.broadcastStored();
        waitForReceipt(one("SELECT tx_hash FROM cashouts WHERE id = ?", co));
        settleByReconciling(co);
        long settledBlock = Long.parseLong(one("SELECT block_number::text FROM cashouts WHERE id = ?", co));
        assertThat(ledger.balances(account).availableBaseUnits()).isZero();

        // the chain drops those blocks and grows a longer branch without the settlement
        rpc("evm_revert", List.of(snapshot));
        while (web3j.ethBlockNumber().send().getBlockNumber().longValue() < settledBlock + 3) rpc("evm_mine", List.of());

        ReconcileService.TickResult r = reconcile.tick();
        assertThat(r.reorgForkBlock()).isGreaterThanOrEqualTo(0).isLessThan(settledBlock);
        assertThat(status(co)).isEqualTo("SUBMITTED");
        assertThat(one("SELECT coalesce(block_hash, 'none') FROM cashouts WHERE id = ?", co)).isEqualTo("none");
        assertThat(count("SELECT count(*) FROM chain_logs WHERE block_number > " + r.reorgForkBlock())).isZero();
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'cashout.reorged' AND subject = '" + co + "'")).isEqualTo(1);
        // it names the transaction the cash-out waits on again (webhooks send it as cashout.submitted with txHash)
        assertThat(one("SELECT (payload_json::jsonb)->>'txHash' FROM audit_events WHERE type = 'cashout.reorged' AND subject = ?", co))
                .isEqualTo(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).startsWith("0x");
        var b = ledger.balances(account); // the debit is not reversed and will not be posted again
        assertThat(b.availableBaseUnits()).isZero();
        assertThat(b.heldBaseUnits()).isZero();
    }

    // ---------------------------------------------------------------- helpers

    void settleByReconciling(String co) throws Exception {
        reconcileUntil(() -> status(co).equals("SETTLED"));
        assertThat(status(co)).isEqualTo("SETTLED");
    }

    void reconcileUntil(java.util.function.BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            reconcile.tick();
            Thread.sleep(300);
        }
    }

    TransactionReceipt waitForReceipt(String txHash) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<TransactionReceipt> r = web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
            if (r.isPresent()) return r.get();
            Thread.sleep(200);
        }
        throw new AssertionError("no receipt for " + txHash);
    }

    String status(String co) {
        return one("SELECT status FROM cashouts WHERE id = ?", co);
    }

    /** Queries of the audit log first wait for the sealer to link every committed event. */
    String one(String sql, Object... args) {
        if (sql.contains("audit_")) rows.awaitAuditSealed();
        return QuarkusTransaction.requiringNew().call(() -> Db.query(ds, sql, rs -> rs.getString(1), args).get(0));
    }

    long count(String sql) {
        if (sql.contains("audit_")) rows.awaitAuditSealed();
        return QuarkusTransaction.requiringNew().call(() -> Db.query(ds, sql, rs -> rs.getLong(1)).get(0));
    }

    public static class StringResponse extends Response<Object> {}

    String rpc(String method, List<Object> params) throws Exception {
        StringResponse r = new Request<>(method, params, http, StringResponse.class).send();
        if (r.hasError()) throw new AssertionError(method + ": " + r.getError().getMessage());
        return String.valueOf(r.getResult());
    }
}
