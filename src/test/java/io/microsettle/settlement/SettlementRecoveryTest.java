package io.microsettle.settlement;

import io.microsettle.infra.Db;
import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.chain.DevAccounts;
import io.microsettle.reconcile.ReconcileService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Hash;

/**
 * Settlement and reconciliation driven tick by tick (schedulers off) on Anvil: crash safety of the stored
 * transaction, a reverted batch (FAILED, hold released), an unknown on-chain payout (discrepancy), a reorg.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class SettlementRecoveryTest extends AbstractChainStepsTest {
    TestCashouts cashouts() {
        return new TestCashouts(ds, ledger);
    }

    @Test
    @Order(1)
    void signedTransactionIsStoredBeforeBroadcastAndRebroadcastIsHarmless() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("crash", TestCashouts.randomAddress(), 3_000_000, 30_000));
        assertThat(settlement.createBatches()).isEqualTo(1);
        // stored, signed, not yet sent: the node has never seen it
        String txHash = chain.one("SELECT t.tx_hash FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ? AND t.status = 'SIGNED'", co);
        assertThat(Hash.sha3(chain.one("SELECT raw_tx FROM settlement_txs WHERE tx_hash = ?", txHash))).isEqualTo(txHash);
        assertThat(chain.status(co)).isEqualTo("BATCHED");
        assertThat(chain.web3j.ethGetTransactionByHash(txHash).send().getTransaction()).isEmpty();

        // "restart": the stored transaction is broadcast
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        assertThat(chain.status(co)).isEqualTo("SUBMITTED");
        chain.receipt(txHash);

        // a crash after the broadcast but before the row was marked: sending it again is accepted
        Db.update(ds, "UPDATE settlement_txs SET status = 'SIGNED' WHERE tx_hash = ?", txHash);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        assertThat(chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txHash)).isEqualTo("BROADCAST");

        settleByReconciling(co);
        assertThat(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(txHash);
        var b = ledger.balances(chain.one("SELECT account_id FROM cashouts WHERE id = ?", co));
        assertThat(b.heldBaseUnits()).isZero();
        assertThat(b.availableBaseUnits()).isZero();
    }

    @Test
    @Order(2)
    void revertedBatchFailsItsCashoutsAndReleasesTheHoldOnlyOnceFinal() throws Exception {
        // the funder of integrator "unfunded" has no escrow deposit: settleBatch reverts (the escrow's caps cannot tell)
        long gross = 3_000_000L;
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("unfunded", "revert", TestCashouts.randomAddress(), gross, 0));
        String account = chain.one("SELECT account_id FROM cashouts WHERE id = ?", co);
        assertThat(ledger.balances(account).heldBaseUnits()).isEqualTo(gross);
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        String txHash = chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
        assertThat(chain.receipt(txHash).isStatusOK()).isFalse();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!chain.status(co).equals("FAILED") && System.nanoTime() < deadline) {
            settlement.checkSubmitted();
            Thread.sleep(500);
        }
        assertThat(chain.status(co)).isEqualTo("FAILED");
        assertThat(chain.one("SELECT reason FROM cashouts WHERE id = ?", co)).isEqualTo("settlement_reverted");
        var b = ledger.balances(account);
        assertThat(b.heldBaseUnits()).isZero();
        assertThat(b.availableBaseUnits()).isEqualTo(gross);
        assertThat(chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txHash)).isEqualTo("REVERTED");
        // FAILED only once the revert's block had the configured confirmations
        long revertBlock = Long.parseLong(chain.one("SELECT mined_block::text FROM settlement_txs WHERE tx_hash = ?", txHash));
        assertThat(chain.count("SELECT count(*) FROM audit_events WHERE type = 'cashout.failed' AND subject = '" + co + "'")).isEqualTo(1);
        assertThat(revertBlock).isPositive();
    }

    @Test
    @Order(2)
    void aPayoutOverTheEscrowsCapIsNeverSentAndStaysQueued() throws Exception {
        long tooBig = 20_000L * 1_000_000L; // above the escrow's 10k per-payout cap: settleBatch would revert
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("overcap", TestCashouts.randomAddress(), tooBig, 0));
        long txsBefore = chain.count("SELECT count(*) FROM settlement_txs");
        settlement.tick();
        assertThat(chain.status(co)).isEqualTo("QUEUED");
        assertThat(chain.count("SELECT count(*) FROM settlement_txs")).isEqualTo(txsBefore);
        // out of the way of the later tests: as if an operator had rejected it
        QuarkusTransaction.requiringNew().run(() -> Db.update(ds, "UPDATE cashouts SET status = 'REJECTED' WHERE id = ?", co));
    }

    @Test
    @Order(3)
    void payoutWithNoLocalCashoutIsADiscrepancyNotAFix() throws Exception {
        // the settler key settles a payout id the service never assigned
        // keep the service's nonce lane in step with this outside use
        chain.keepNonceLanesPast(chain.pendingNonce(DevAccounts.defaults().settler().getAddress()));
        String hash = chain.sendAsSettler(SettleBatchCall.encode(900_001, DevAccounts.defaults().funder().getAddress(),
                List.of(new SettleBatchCall.Payout(900_001, TestCashouts.randomAddress(), 1_000, 0))));
        assertThat(chain.receipt(hash).isStatusOK()).isTrue();
        long before = chain.count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED'");
        chain.reconcileUntil(reconcile, () -> chain.count("SELECT count(*) FROM discrepancies WHERE payout_id = 900001") > 0);
        assertThat(chain.one("SELECT kind FROM discrepancies WHERE payout_id = 900001 AND tx_hash = ?", hash)).isEqualTo("UNKNOWN_PAYOUT");
        assertThat(chain.count("SELECT count(*) FROM discrepancies WHERE kind = 'UNKNOWN_BATCH' AND chain_batch_id = 900001")).isEqualTo(1);
        assertThat(chain.count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED'")).isEqualTo(before);
    }

    @Test
    @Order(4)
    void aTransactionTheNodeForgotIsSentAgainAsStored() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("drop", TestCashouts.randomAddress(), 5_000_000, 50_000));
        settlement.createBatches();
        String payoutId = chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", co);
        // the node accepts the transaction, then loses it (no mining in between)
        chain.rpc("evm_setAutomine", List.of(false));
        chain.rpc("evm_setIntervalMining", List.of(0));
        String first;
        try {
            assertThat(settlement.broadcastStored()).isEqualTo(1);
            first = chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
            chain.rpc("anvil_dropTransaction", List.of(first));
        } finally {
            chain.rpc("evm_setIntervalMining", List.of(1));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (chain.web3j.ethGetTransactionReceipt(first).send().getTransactionReceipt().isEmpty() && System.nanoTime() < deadline) {
            settlement.tick();
            Thread.sleep(500);
        }
        long minedBlock = chain.receipt(first).getBlockNumber().longValueExact();
        // the lane's next nonce, broadcast in an earlier block and unknown to the node: sent again at the first pass
        // after a block, not only once the receipt checks are due (three blocks after the broadcast: mined four after)
        long broadcastBlock = Long.parseLong(chain.one("SELECT broadcast_block::text FROM settlement_txs WHERE tx_hash = ?", first));
        assertThat(minedBlock - broadcastBlock).as("blocks from the broadcast to the block that mined the re-sent transaction")
                .isLessThanOrEqualTo(3);
        settleByReconciling(co);
        assertThat(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(first);
        assertThat(chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", co)).isEqualTo(payoutId);
        assertThat(chain.count("SELECT count(*) FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = '" + co + "'"))
                .isEqualTo(1);
    }

    @Test
    @Order(4)
    void aStuckTransactionIsReplacedWithBothFeesBumpedTheSameNonceAndPayoutIds() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("stuck", TestCashouts.randomAddress(), 5_000_000, 50_000));
        settlement.createBatches();
        String payoutId = chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", co);
        // blocks are mined by hand with a base fee just above the transaction's max fee: it cannot be included
        String first = chain.broadcastUntilReplaced(settlement, co);
        String second = chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
        assertThat(second).isNotEqualTo(first);
        assertThat(chain.status(co)).isEqualTo("SUBMITTED");
        chain.receipt(second);
        settleByReconciling(co);
        assertThat(chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", co)).isEqualTo(payoutId);
        assertThat(chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", first)).isEqualTo("REPLACED");
        // each block found it under its base fee and the node dropped it: replaced at the first pass after that block, not
        // after replace-after-blocks (4 here) as a transaction the node still holds
        assertThat(Long.parseLong(chain.one("SELECT (b.broadcast_block - a.broadcast_block)::text FROM settlement_txs a "
                + "JOIN settlement_txs b ON b.replaces_tx_id = a.id WHERE a.tx_hash = ?", first)))
                .as("blocks from the first broadcast to the replacement's").isLessThanOrEqualTo(2);
        // same nonce, fees up by at least 10 % each
        assertThat(chain.one("SELECT (a.nonce = b.nonce AND b.max_fee_per_gas_wei * 10 >= a.max_fee_per_gas_wei * 11 "
                + "AND b.max_priority_fee_per_gas_wei * 10 >= a.max_priority_fee_per_gas_wei * 11)::text "
                + "FROM settlement_txs a JOIN settlement_txs b ON b.replaces_tx_id = a.id WHERE a.tx_hash = ?", first)).isEqualTo("true");
    }

    @Test
    @Order(3)
    void aBatchMinedBeforeItsBroadcastWasRecordedIsSubmittedOnceThenSettled() throws Exception {
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("unrecorded", TestCashouts.randomAddress(), 3_000_000, 30_000));
        assertThat(settlement.createBatches()).isEqualTo(1);
        // a replica broadcast the stored transaction and died before recording it: the chain has it, the row says BATCHED
        String txHash = chain.one("SELECT t.tx_hash FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ?", co);
        String sent = chain.web3j.ethSendRawTransaction(chain.one("SELECT raw_tx FROM settlement_txs WHERE tx_hash = ?", txHash))
                .send().getTransactionHash();
        assertThat(sent).isEqualTo(txHash);
        assertThat(chain.receipt(txHash).isStatusOK()).isTrue();
        assertThat(chain.status(co)).isEqualTo("BATCHED");

        double submittedBefore = submittedTransitions();
        settleByReconciling(co);
        assertThat(chain.auditTypes(co)).containsExactly("cashout.batched", "cashout.submitted", "cashout.confirmed", "cashout.settled");
        assertThat(submittedTransitions() - submittedBefore).as("the SUBMITTED step counted in the transitions metric too").isEqualTo(1);
        assertThat(chain.one("SELECT (payload_json::jsonb)->>'txHash' FROM audit_events WHERE type = 'cashout.submitted' AND subject = ?", co))
                .isEqualTo(txHash);
        // the settler's next passes record the transaction as mined: the settled cash-out is not submitted again
        assertThat(chain.runUntil(settlement, reconcile,
                () -> "MINED".equals(chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txHash)))).isTrue();
        assertThat(chain.count("SELECT count(*) FROM audit_events WHERE type = 'cashout.submitted' AND subject = ?", co)).isEqualTo(1);
        assertThat(chain.status(co)).isEqualTo("SETTLED");
    }

    @Test
    @Order(5)
    void reorgSendsSettledCashoutBackToSubmittedAndNeverDebitsTwice() throws Exception {
        String snapshot = chain.rpc("evm_snapshot", List.of());
        String co = QuarkusTransaction.requiringNew().call(() -> cashouts().queued("reorg", TestCashouts.randomAddress(), 4_000_000, 40_000));
        String account = chain.one("SELECT account_id FROM cashouts WHERE id = ?", co);
        settlement.createBatches();
        settlement.broadcastStored();
        chain.receipt(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co));
        settleByReconciling(co);
        long settledBlock = Long.parseLong(chain.one("SELECT block_number::text FROM cashouts WHERE id = ?", co));
        assertThat(ledger.balances(account).availableBaseUnits()).isZero();

        // the chain drops those blocks and grows a longer branch without the settlement
        chain.rpc("evm_revert", List.of(snapshot));
        while (chain.web3j.ethBlockNumber().send().getBlockNumber().longValue() < settledBlock + 3) chain.rpc("evm_mine", List.of());

        ReconcileService.TickResult r = reconcile.tick();
        assertThat(r.reorgForkBlock()).isGreaterThanOrEqualTo(0).isLessThan(settledBlock);
        assertThat(chain.status(co)).isEqualTo("SUBMITTED");
        assertThat(chain.one("SELECT coalesce(block_hash, 'none') FROM cashouts WHERE id = ?", co)).isEqualTo("none");
        assertThat(chain.count("SELECT count(*) FROM chain_logs WHERE block_number > " + r.reorgForkBlock())).isZero();
        assertThat(chain.count("SELECT count(*) FROM audit_events WHERE type = 'cashout.reorged' AND subject = '" + co + "'")).isEqualTo(1);
        // it names the transaction the cash-out waits on again (webhooks send it as cashout.submitted with txHash)
        assertThat(chain.one("SELECT (payload_json::jsonb)->>'txHash' FROM audit_events WHERE type = 'cashout.reorged' AND subject = ?", co))
                .isEqualTo(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).startsWith("0x");
        var b = ledger.balances(account); // the debit is not reversed and will not be posted again
        assertThat(b.availableBaseUnits()).isZero();
        assertThat(b.heldBaseUnits()).isZero();
    }

    // ---------------------------------------------------------------- helpers

    void settleByReconciling(String co) throws Exception {
        chain.reconcileUntil(reconcile, () -> chain.status(co).equals("SETTLED"));
        assertThat(chain.status(co)).isEqualTo("SETTLED");
    }

    /** microsettle_cashout_transitions_total{to="SUBMITTED"} as /q/metrics shows it (counted after each commit). */
    static double submittedTransitions() {
        return io.microsettle.ops.PrometheusText.parse(io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200)
                .extract().asString()).sum("microsettle_cashout_transitions_total", java.util.Map.of("to", "SUBMITTED"));
    }
}
