package io.microsettle.settlement;

import io.microsettle.chain.BroadcastResult;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;

class NonceAndBroadcastTest {

    @Test
    void nonceLaneInitialisesFromChainAndNeverGoesBack() {
        assertThat(NonceLane.reconcile(null, 7)).isEqualTo(7);
        assertThat(NonceLane.reconcile(9L, 7)).isEqualTo(9);
        assertThat(NonceLane.reconcile(9L, 12)).isEqualTo(12);
    }

    @Test
    void aLaneClaimsOnlyWhatKeepsItsUnminedTransactionsWithinTheLimit() {
        assertThat(NonceLane.batchRoom(16, 16, 40, 40)).isEqualTo(16); // nothing pending
        assertThat(NonceLane.batchRoom(16, 8, 40, 40)).isEqualTo(8); // the per-tick limit
        assertThat(NonceLane.batchRoom(16, 16, 45, 40)).isEqualTo(11);
        assertThat(NonceLane.batchRoom(16, 16, 56, 40)).isZero();
        assertThat(NonceLane.batchRoom(16, 16, 70, 40)).isZero(); // past the limit (sent elsewhere): never negative
        assertThat(NonceLane.batchRoom(16, 16, 40, 42)).isEqualTo(16); // a node behind another: latest above pending
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NonceLane.batchRoom(0, 16, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NonceLane.batchRoom(16, 16, -1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void classifiesNodeAnswers() {
        assertThat(BroadcastResult.classify(null)).isEqualTo(BroadcastResult.ACCEPTED);
        assertThat(BroadcastResult.classify("already known")).isEqualTo(BroadcastResult.ACCEPTED);
        assertThat(BroadcastResult.classify("Known transaction: 0xabc")).isEqualTo(BroadcastResult.ACCEPTED);
        assertThat(BroadcastResult.classify("nonce too low")).isEqualTo(BroadcastResult.NONCE_USED);
        assertThat(BroadcastResult.classify("Transaction nonce is too low.")).isEqualTo(BroadcastResult.NONCE_USED);
        assertThat(BroadcastResult.classify("replacement transaction underpriced")).isEqualTo(BroadcastResult.UNDERPRICED);
        assertThat(BroadcastResult.classify("insufficient funds for gas * price + value")).isEqualTo(BroadcastResult.RETRY);
        assertThat(BroadcastResult.classify("intrinsic gas too low")).isEqualTo(BroadcastResult.NEVER_VALID);
        assertThat(BroadcastResult.classify("exceeds block gas limit")).isEqualTo(BroadcastResult.NEVER_VALID);
        assertThat(BroadcastResult.classify("io: Connection refused")).isEqualTo(BroadcastResult.RETRY);
        // anvil and geth refuse a max fee below the current base fee (a spike): not a plain retry
        assertThat(BroadcastResult.classify("max fee per gas less than block base fee")).isEqualTo(BroadcastResult.BELOW_BASE_FEE);
        assertThat(BroadcastResult.classify("fee cap less than block base fee: address 0x..")).isEqualTo(BroadcastResult.BELOW_BASE_FEE);
    }

    @Test
    void settleBatchEncodingMatchesWeb3jFunctionEncoder() {
        String payee = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        String funder = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
        String ours = SettleBatchCall.encode(5, funder, List.of(new SettleBatchCall.Payout(1, payee, 990_000, 10_000),
                new SettleBatchCall.Payout(2, payee, 5, 0)));
        var structs = List.of(
                new SettleBatchCall.PayoutStruct(new Uint256(1), new Address(payee), new Uint256(990_000), new Uint256(10_000)),
                new SettleBatchCall.PayoutStruct(new Uint256(2), new Address(payee), new Uint256(5), new Uint256(0)));
        String web3j = FunctionEncoder.encode(new Function("settleBatch",
                List.of(new Uint256(5), new Address(funder), new DynamicArray<>(SettleBatchCall.PayoutStruct.class, structs)), List.of()));
        assertThat(ours).isEqualTo(web3j);
        assertThat(SettleBatchCall.SELECTOR).hasSize(10).startsWith("0x");
        // head: batchId, funder, offset(0x60), then array length 2, then 2 x 4 words
        assertThat((ours.length() - 10) / 64).isEqualTo(3 + 1 + 8);
    }
}
