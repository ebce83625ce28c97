package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.chain.ConfirmationDepth;
import io.microsettle.chain.ContractDeployer;
import io.microsettle.chain.DevAccounts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.Transaction;

/**
 * The fault suite's fee and finality faults on Anvil with a real database, blocks mined by hand: a
 * fee spike past the configured ceiling (20 gwei here), a replacement the node refuses as underpriced (dropped; the
 * next bump goes above it), and reorgs made with Anvil snapshots
 * ({@code evm_snapshot}/{@code evm_revert}) of a settled block and of a reverted one, with finality at
 * 3 confirmations and receipts looked at from the first block on (so a revert is seen before it is final).
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
        @ResourceArg(name = "proxy", value = "true"),
        @ResourceArg(name = "microsettle.chain.confirmations", value = "3"),
        @ResourceArg(name = "microsettle.settlement.receipt-check-after-blocks", value = "1"),
        @ResourceArg(name = "microsettle.settlement.max-fee-ceiling-wei", value = "20000000000")})
@Timeout(150)
class FeeAndReorgFaultsTest extends AbstractFaultTest {
    static final BigInteger CEILING_WEI = BigInteger.valueOf(20_000_000_000L);
    static final String SPIKE_BASE_FEE = "0x" + BigInteger.valueOf(50_000_000_000L).toString(16);
    /** The funder of integrator "unfunded" in the test profile (dev account 9): no escrow deposit until a test makes one. */
    static final int UNFUNDED_FUNDER = 9;

    @Test
    void aReplacementRefusedAsUnderpricedIsDroppedAndTheNextBumpGoesAboveItAndIsSent() throws Exception {
        manualMining();
        String co = queue("underpriced", 3_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        String batch = one("SELECT batch_id FROM cashouts WHERE id = ?", co);
        // a base fee above the original's cap (under the ceiling): it stays pending, and a fee-bumped replacement is signed
        String refused = replacementFor(batch, "SIGNED", false);
        assertThat(refused).as("a replacement signed").isNotNull();
        proxy().refuseTransaction(refused, "replacement transaction underpriced");
        settlement.broadcastStored();
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", refused)).isEqualTo("DROPPED");
        BigInteger refusedMaxFee = new BigInteger(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs WHERE tx_hash = ?", refused));

        // the next bump is not blocked by the dropped one: it starts above it, and the node takes it
        String sent = replacementFor(batch, "BROADCAST", true);
        assertThat(sent).as("a later replacement broadcast").isNotNull();
        assertThat(new BigInteger(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs WHERE tx_hash = ?", sent)))
                .isGreaterThan(refusedMaxFee).isLessThanOrEqualTo(CEILING_WEI);

        proxy().healthy();
        rpc("anvil_setNextBlockBaseFeePerGas", List.of("0x3b9aca00"));
        intervalMining();
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", refused)).isEqualTo("DROPPED");
        assertInvariants(List.of(co));
    }

    /** Mines blocks at a base fee of 5 gwei, with receipt checks (and broadcasts), until a replacement of the batch has that status. */
    private String replacementFor(String batch, String status, boolean broadcast) throws Exception {
        String high = "0x" + BigInteger.valueOf(5_000_000_000L).toString(16);
        for (int i = 0; i < 20; i++) {
            rpc("anvil_setNextBlockBaseFeePerGas", List.of(high));
            rpc("evm_mine", List.of());
            settlement.checkSubmitted();
            if (broadcast) settlement.broadcastStored();
            String tx = one("SELECT tx_hash FROM settlement_txs WHERE batch_id = ? AND status = ? AND replaces_tx_id IS NOT NULL "
                    + "ORDER BY id DESC LIMIT 1", batch, status);
            if (tx != null) return tx;
        }
        return null;
    }

    @Test
    void aFeeSpikePastTheCeilingAlertsAndWaitsWithNoTransactionAboveItThenSettlesWhenFeesFall() throws Exception {
        manualMining();
        String co = queue("spike", 3_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        String first = firstTx(co);
        String batch = one("SELECT batch_id FROM cashouts WHERE id = ?", co);
        String payoutId = one("SELECT payout_id::text FROM cashouts WHERE id = ?", co);
        for (int i = 0; i < 40 && stalls(batch, "fee_ceiling") == 0; i++) {
            rpc("anvil_setNextBlockBaseFeePerGas", List.of(SPIKE_BASE_FEE));
            rpc("evm_mine", List.of());
            settlement.tick();
        }
        assertThat(stalls(batch, "fee_ceiling")).as("settlement.stalled fee_ceiling").isEqualTo(1);
        long signed = count("SELECT count(*) FROM settlement_txs WHERE batch_id = ?", batch);
        assertThat(signed).as("the original and its replacements").isGreaterThanOrEqualTo(2);
        assertThat(one("SELECT max(max_fee_per_gas_wei)::text FROM settlement_txs WHERE batch_id = ?", batch))
                .isEqualTo(CEILING_WEI.toString());
        // at the ceiling it waits: more spiked blocks, no new transaction
        for (int i = 0; i < 6; i++) {
            rpc("anvil_setNextBlockBaseFeePerGas", List.of(SPIKE_BASE_FEE));
            rpc("evm_mine", List.of());
            settlement.tick();
        }
        assertThat(count("SELECT count(*) FROM settlement_txs WHERE batch_id = ?", batch)).isEqualTo(signed);
        assertThat(receipt(first)).isEmpty();
        assertThat(status(co)).isEqualTo("SUBMITTED");

        // the fees fall
        rpc("anvil_setNextBlockBaseFeePerGas", List.of("0x3b9aca00"));
        intervalMining();
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertThat(one("SELECT payout_id::text FROM cashouts WHERE id = ?", co)).isEqualTo(payoutId);
        assertThat(count("SELECT count(*) FROM settlement_txs WHERE batch_id = ? AND max_fee_per_gas_wei > ?", batch, CEILING_WEI))
                .as("transactions signed above the ceiling").isZero();
        Transaction mined = web3j.ethGetTransactionByHash(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).send().getTransaction().orElseThrow();
        assertThat(mined.getMaxFeePerGas()).isLessThanOrEqualTo(CEILING_WEI);
        assertInvariants(List.of(co));
    }

    @Test
    void aReorgOfASettledBlockSettlesTheCashoutAgainOnTheNewBranchPaidAndDebitedOnce() throws Exception {
        manualMining();
        String snapshot = rpc("evm_snapshot", List.of());
        String co = queue("reorgsettled", 4_000_000);
        String tx = batchedAndSent(co);
        rpc("evm_mine", List.of());
        long minedBlock = receipt(tx).orElseThrow().getBlockNumber().longValueExact();
        boolean seenShallow = false;
        for (int i = 0; i < 10 && !status(co).equals("SETTLED"); i++) {
            settlement.tick();
            reconcile.tick();
            if (ConfirmationDepth.confirmations(head(), minedBlock) < CONFIRMATIONS) {
                assertThat(status(co)).as("before %d confirmations", CONFIRMATIONS).isNotIn("SETTLED", "FAILED");
                seenShallow = true;
            }
            if (!status(co).equals("SETTLED")) rpc("evm_mine", List.of());
        }
        assertThat(seenShallow).isTrue();
        assertThat(status(co)).isEqualTo("SETTLED");
        long settledHead = head();
        assertThat(ConfirmationDepth.confirmations(settledHead, minedBlock)).isGreaterThanOrEqualTo(CONFIRMATIONS);

        // the branch with the settlement is dropped; a longer one without it grows
        rpc("evm_revert", List.of(snapshot));
        while (head() < settledHead + 2) rpc("evm_mine", List.of());
        assertThat(receipt(tx)).isEmpty();
        assertThat(reconcile.tick().reorgForkBlock()).isGreaterThanOrEqualTo(0).isLessThan(minedBlock);
        assertThat(status(co)).isEqualTo("SUBMITTED");

        settlesOnceBy(co, tx);
    }

    /** The queued cash-out batched alone and its transaction sent (not mined while mining is manual): its hash. */
    private String batchedAndSent(String co) {
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        return firstTx(co);
    }

    /** Blocks are mined again: the cash-out settles, paid by {@code tx}, once. */
    private void settlesOnceBy(String co, String tx) throws Exception {
        intervalMining();
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertThat(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(tx);
        assertInvariants(List.of(co));
    }

    @Test
    void aMinedBatchIsCheckedByItsBlockAndOpenAgainWhenAReorgDropsItBeforeItSettles() throws Exception {
        manualMining();
        String snapshot = rpc("evm_snapshot", List.of());
        String co = queue("reorgmined", 3_000_000);
        String tx = batchedAndSent(co);
        rpc("evm_mine", List.of());
        for (int i = 0; i < 3; i++) rpc("evm_mine", List.of()); // receipt-check-after-blocks
        assertThat(settlement.checkSubmitted()).isEqualTo(1);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("MINED");

        // mined, not yet settled (no reconcile pass): healing finds it in its block's header, with no receipt read
        long receiptsBefore = proxy().forwarded("eth_getTransactionReceipt", tx);
        settlement.tick();
        assertThat(proxy().forwarded("eth_getTransactionReceipt", tx)).isEqualTo(receiptsBefore);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("MINED");

        // the branch with it is dropped: not in that block any more, no receipt: open again, sent again, settled once
        long minedHead = head();
        rpc("evm_revert", List.of(snapshot));
        while (head() < minedHead + 1) rpc("evm_mine", List.of());
        assertThat(receipt(tx)).isEmpty();
        settlement.tick();
        assertThat(proxy().forwarded("eth_getTransactionReceipt", tx)).isGreaterThan(receiptsBefore);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("BROADCAST");
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'batch.reorged' AND payload_json::jsonb->>'txHash' = ?", tx))
                .isEqualTo(1);

        settlesOnceBy(co, tx);
    }

    @Test
    void aRevertedTransactionThatAReorgTurnsIntoASuccessIsSettledNotRefunded() throws Exception {
        manualMining();
        String snapshot = rpc("evm_snapshot", List.of());
        String co = queue("unfunded", "reorgrevert", 2_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        String tx = firstTx(co);
        rpc("evm_mine", List.of());
        var r = receipt(tx).orElseThrow();
        assertThat(r.isStatusOK()).as("reverts: the funder has no deposit on this branch").isFalse();
        long minedBlock = r.getBlockNumber().longValueExact();
        // the revert is seen at every depth short of final: nothing FAILED, nothing released
        while (ConfirmationDepth.confirmations(head(), minedBlock) < CONFIRMATIONS) {
            settlement.tick();
            reconcile.tick();
            assertThat(status(co)).as("at %d confirmations", ConfirmationDepth.confirmations(head(), minedBlock)).isEqualTo("SUBMITTED");
            if (ConfirmationDepth.confirmations(head() + 1, minedBlock) >= CONFIRMATIONS) break;
            rpc("evm_mine", List.of());
        }
        assertThat(count("SELECT count(*) FROM ledger_entries WHERE cashout_id = ? AND kind = 'RELEASE'", co)).isZero();

        // a reorg: on the new branch the funder deposits first, and the same transaction succeeds
        rpc("evm_revert", List.of(snapshot));
        intervalMining();
        Credentials funder = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, UNFUNDED_FUNDER);
        assertThat(funder.getAddress()).isEqualToIgnoringCase("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
        new ContractDeployer(web3j, DevAccounts.defaults().deployer(), web3j.ethChainId().send().getChainId().longValueExact(), null)
                .fundFunder(ChainTestResource.deployment, funder, BigInteger.valueOf(100_000_000L));
        untilFinal(List.of(co), 60);
        assertThat(status(co)).as("paid on the new branch").isEqualTo("SETTLED");
        assertThat(receipt(tx).orElseThrow().isStatusOK()).isTrue();
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'cashout.failed' AND subject = ?", co)).isZero();
        assertInvariants(List.of(co));
    }

    @Test
    void aTransactionRefusedUnderTheBaseFeeIsRepricedUnderTheCeilingAndSettlesWithItsPayoutId() throws Exception {
        manualMining();
        Batched b = batchedOne("repriced");
        String payoutId = one("SELECT payout_id::text FROM cashouts WHERE id = ?", b.cashout());
        // the base fee rises past what the first offers before it is sent (still under the ceiling)
        BigInteger risen = BigInteger.valueOf(8_000_000_000L);
        assertThat(new BigInteger(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs WHERE tx_hash = ?", b.txHash()))).isLessThan(risen);
        rpc("anvil_setNextBlockBaseFeePerGas", List.of("0x" + risen.toString(16)));
        rpc("evm_mine", List.of());
        assertThat(settlement.broadcastStored()).isZero();
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", b.txHash())).isEqualTo("DROPPED");
        String repriced = one("SELECT tx_hash FROM settlement_txs WHERE batch_id = ? AND replaces_tx_id IS NOT NULL", b.batchId());
        assertThat(repriced).as("a replacement at the market's fees").isNotNull();
        assertThat(new BigInteger(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs WHERE tx_hash = ?", repriced)))
                .isGreaterThan(risen).isLessThanOrEqualTo(CEILING_WEI);

        assertThat(settlement.broadcastStored()).isEqualTo(1);
        rpc("anvil_setNextBlockBaseFeePerGas", List.of("0x" + risen.toString(16)));
        rpc("evm_mine", List.of());
        assertThat(receipt(repriced).orElseThrow().isStatusOK()).isTrue();
        intervalMining();
        untilFinal(List.of(b.cashout()), 60);
        assertThat(status(b.cashout())).isEqualTo("SETTLED");
        assertThat(one("SELECT tx_hash FROM cashouts WHERE id = ?", b.cashout())).isEqualTo(repriced);
        assertThat(one("SELECT payout_id::text FROM cashouts WHERE id = ?", b.cashout())).isEqualTo(payoutId);
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'settlement.stalled' AND (payload_json::jsonb)->>'batchId' = ?",
                b.batchId())).as("no alert: nothing waited").isZero();
        assertInvariants(List.of(b.cashout()));
    }

    @Test
    void aNoOpUnderTheBaseFeeAtTheCeilingAlertsOnceIsKeptAndFillsTheNonceWhenFeesFall() throws Exception {
        manualMining();
        Batched b = batchedOne("noopceiling");
        // the fee market past the ceiling, then the node calls the batch's transaction never valid
        rpc("anvil_setNextBlockBaseFeePerGas", List.of(SPIKE_BASE_FEE));
        rpc("evm_mine", List.of());
        proxy().refuseTransaction(b.txHash(), "intrinsic gas too low");
        assertThat(settlement.broadcastStored()).isZero();
        String noOp = one("SELECT tx_hash FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL'", b.batchId());
        assertThat(noOp).as("a no-op at the market's fees, capped at the ceiling").isNotNull();
        assertThat(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs WHERE tx_hash = ?", noOp)).isEqualTo(CEILING_WEI.toString());

        // under the base fee the node refuses it: the same no-op is kept and sent again, no other is signed, one alert
        for (int i = 0; i < 8; i++) {
            rpc("anvil_setNextBlockBaseFeePerGas", List.of(SPIKE_BASE_FEE));
            rpc("evm_mine", List.of());
            settlement.tick();
            Thread.sleep(400);
        }
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", noOp)).isEqualTo("SIGNED");
        assertThat(count("SELECT count(*) FROM settlement_txs WHERE batch_id = ?", b.batchId())).as("the first and one no-op").isEqualTo(2);
        assertThat(count("SELECT broadcast_attempts FROM settlement_txs WHERE tx_hash = ?", noOp)).isGreaterThanOrEqualTo(2);
        assertThat(stalls(b.batchId(), "fee_ceiling")).as("settlement.stalled fee_ceiling").isEqualTo(1);
        assertThat(receipt(noOp)).isEmpty();

        // the fees fall: the no-op fills the nonce, and a later batch pays the cash-out
        proxy().healthy();
        rpc("anvil_setNextBlockBaseFeePerGas", List.of("0x3b9aca00"));
        intervalMining();
        assertPaidByALaterBatch(b);
        assertThat(receipt(noOp)).isPresent();
    }

    @Test
    void aNoOpTheNodeRefusesAsUnderpricedIsSignedAgainAboveItAndFillsTheNonce() throws Exception {
        manualMining();
        Batched b = batchedOne("noopunderpriced");
        dropFirstAsNeverValidWhileTheNodeHoldsIt(b);

        // healing signs another no-op above the refused one, and it takes the nonce
        settlement.tick();
        assertThat(count("SELECT count(*) FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL'", b.batchId())).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL' AND status = 'BROADCAST'", b.batchId()))
                .isEqualTo(1);
        intervalMining();
        assertPaidByALaterBatch(b);
        assertThat(stalls(b.batchId(), "fee_ceiling")).isZero();
    }

    @Test
    void aDroppedTransactionTheNodeHeldAndMinedAfterAllSettlesItsBatchOnceWithNothingRequeued() throws Exception {
        manualMining();
        Batched b = batchedOne("heldafterall");
        String payoutId = one("SELECT payout_id::text FROM cashouts WHERE id = ?", b.cashout());
        dropFirstAsNeverValidWhileTheNodeHoldsIt(b);
        // healing signs a second no-op, which the node does not get (its sends fail)
        proxy().failMethods(Set.of("eth_sendRawTransaction"));
        settlement.tick();
        String noOp = one("SELECT tx_hash FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL' AND status = 'SIGNED'", b.batchId());
        assertThat(noOp).as("a second no-op, signed").isNotNull();

        // the node mines the first after all: the nonce is taken, the batch paid on chain
        rpc("evm_mine", List.of());
        assertThat(receipt(b.txHash()).orElseThrow().isStatusOK()).isTrue();
        proxy().healthy();
        intervalMining();
        untilFinal(List.of(b.cashout()), 60);
        assertThat(status(b.cashout())).isEqualTo("SETTLED");
        assertThat(one("SELECT batch_id FROM cashouts WHERE id = ?", b.cashout())).isEqualTo(b.batchId());
        assertThat(one("SELECT payout_id::text FROM cashouts WHERE id = ?", b.cashout())).isEqualTo(payoutId);
        assertThat(one("SELECT status FROM settlement_batches WHERE id = ?", b.batchId())).isEqualTo("SETTLED");
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", b.txHash())).isEqualTo("MINED");
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", noOp)).as("closed, never sent again").isEqualTo("DROPPED");
        assertThat(count("SELECT count(*) FROM audit_events WHERE type IN ('batch.cancelled', 'cashout.requeued') AND subject IN (?, ?)",
                b.batchId(), b.cashout())).isZero();
        assertInvariants(List.of(b.cashout()));
    }

    /**
     * The first transaction reaches the node with the reply lost (to the service it is still only signed); sent again,
     * the node calls it never valid, and the no-op at the market's fees (those of the first) is refused as underpriced,
     * since the node holds the first.
     */
    private void dropFirstAsNeverValidWhileTheNodeHoldsIt(Batched b) throws Exception {
        proxy().dropReplies(Set.of("eth_sendRawTransaction"));
        assertThat(settlement.broadcastStored()).isZero();
        assertThat(nodeKnows(b.txHash())).isTrue();
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", b.txHash())).isEqualTo("SIGNED");
        proxy().healthy();
        proxy().refuseTransaction(b.txHash(), "intrinsic gas too low");
        String droppedNoOps = "SELECT count(*) FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL' AND status = 'DROPPED'";
        for (int i = 0; i < 30 && count(droppedNoOps, b.batchId()) == 0; i++) {
            settlement.broadcastStored();
            Thread.sleep(300);
        }
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", b.txHash())).isEqualTo("DROPPED");
        assertThat(one("SELECT last_error FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL' ORDER BY id LIMIT 1", b.batchId()))
                .isEqualTo("underpriced");
    }

    long stalls(String batchId, String reason) {
        return count("SELECT count(*) FROM audit_events WHERE type = 'settlement.stalled' AND (payload_json::jsonb)->>'batchId' = ? "
                + "AND (payload_json::jsonb)->>'reason' = ?", batchId, reason);
    }
}
