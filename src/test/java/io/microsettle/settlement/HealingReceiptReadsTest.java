package io.microsettle.settlement;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How often a lane's pass reads the receipt of a broadcast already final (its nonce below the lane's final count):
 * never while it is younger than {@code receipt-check-after-blocks} (a receipt each pass cost healing more than the rest
 * of it), then once, in the pass where it is due (healing records it, and the receipt checks of that pass do not read
 * it again). Needs fewer confirmations than the receipt check's blocks: 2 and 3 here, the dev chain's defaults.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
        @ResourceArg(name = "proxy", value = "true"),
        @ResourceArg(name = "microsettle.chain.confirmations", value = "2"),
        @ResourceArg(name = "microsettle.settlement.receipt-check-after-blocks", value = "3")})
class HealingReceiptReadsTest extends AbstractFaultTest {

    @Test
    void aFinalBroadcastsReceiptIsReadOnceWhenDueAndNotBefore() throws Exception {
        manualMining();
        String co = queue("freshfinal", 3_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        String tx = firstTx(co);
        long broadcastBlock = Long.parseLong(one("SELECT broadcast_block FROM settlement_txs WHERE tx_hash = ?", tx));
        // mined in the next block, final at two confirmations: one block before its receipt check is due
        while (head() < broadcastBlock + 2) rpc("evm_mine", List.of());
        assertThat(receipt(tx)).isPresent();
        long receiptsBefore = proxy().forwarded("eth_getTransactionReceipt", tx);

        settlement.tick();
        assertThat(proxy().forwarded("eth_getTransactionReceipt", tx)).as("receipt reads before the check is due").isEqualTo(receiptsBefore);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("BROADCAST");

        rpc("evm_mine", List.of());
        settlement.tick();
        assertThat(proxy().forwarded("eth_getTransactionReceipt", tx)).as("reads in the pass where it is due").isEqualTo(receiptsBefore + 1);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("MINED");

        intervalMining();
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertInvariants(List.of(co));
    }
}
