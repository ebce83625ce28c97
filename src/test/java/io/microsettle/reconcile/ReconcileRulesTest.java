package io.microsettle.reconcile;

import io.microsettle.chain.EscrowEvents;
import io.microsettle.chain.ConfirmationDepth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;

class ReconcileRulesTest {

    static final String PAYEE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    @Test
    void aRangeWithMorePayoutsThanOneTransactionSettlesEndsBeforeTheFirstOneOver() {
        BlockRange r = new BlockRange(10, 20);
        assertThat(r.fit(List.of(), 3)).isEqualTo(r);
        assertThat(r.fit(List.of(11L, 12L, 12L), 3)).isEqualTo(r);
        // the 4th log (index 3) is in block 14: the range ends at 13
        assertThat(r.fit(List.of(11L, 12L, 12L, 14L, 15L), 3)).isEqualTo(new BlockRange(10, 13));
        // the 4th log shares block 12 with the 2nd and 3rd: all of block 12 goes to the next range
        assertThat(r.fit(List.of(11L, 12L, 12L, 12L, 15L), 3)).isEqualTo(new BlockRange(10, 11));
        // the first block alone holds more: it is the range, whole (settled in several sets)
        assertThat(r.fit(List.of(10L, 10L, 10L, 10L, 11L), 3)).isEqualTo(new BlockRange(10, 10));
        assertThat(new BlockRange(12, 20).fit(List.of(12L, 12L, 12L, 12L), 3)).isEqualTo(new BlockRange(12, 12));
        assertThatThrownBy(() -> r.fit(List.of(11L), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRangesPayoutsAreSettledInAsManyPartsAsWorkersEachOfAtLeastTheMinimum() {
        assertThat(SettleParts.count(0, 2, 1000)).isEqualTo(1);
        assertThat(SettleParts.count(1999, 2, 1000)).isEqualTo(1);
        assertThat(SettleParts.count(2000, 2, 1000)).isEqualTo(2);
        assertThat(SettleParts.count(10_000, 2, 1000)).isEqualTo(2);
        assertThat(SettleParts.count(10_000, 4, 3000)).isEqualTo(3);
        assertThat(SettleParts.count(10_000, 1, 1)).isEqualTo(1);
        assertThatThrownBy(() -> SettleParts.count(10, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SettleParts.count(10, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rangesAreBoundedAndStopAtConfirmedHead() {
        assertThat(BlockRange.next(0, 10, 1, 100)).contains(new BlockRange(0, 10));
        assertThat(BlockRange.next(0, 10, 3, 100)).contains(new BlockRange(0, 8));
        assertThat(BlockRange.next(0, 10_000, 1, 2000)).contains(new BlockRange(0, 1999));
        assertThat(BlockRange.next(9, 10, 3, 100)).isEmpty();
        assertThat(BlockRange.next(11, 10, 1, 100)).isEmpty();
        assertThatThrownBy(() -> BlockRange.next(0, 10, 0, 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void confirmationDepth() {
        assertThat(ConfirmationDepth.confirmations(100, 100)).isEqualTo(1);
        assertThat(ConfirmationDepth.confirmations(100, 95)).isEqualTo(6);
        assertThat(ConfirmationDepth.confirmations(100, 101)).isZero();
        assertThat(ConfirmationDepth.isFinal(100, 99, 2)).isTrue();
        assertThat(ConfirmationDepth.isFinal(100, 100, 2)).isFalse();
    }

    @Test
    void eventTopicsAreTheSolidityOnes() {
        assertThat(EscrowEvents.PAYOUT_SETTLED_TOPIC).isEqualTo(Hash.sha3String("PayoutSettled(uint256,uint256,address,uint256,uint256)"));
        assertThat(EscrowEvents.BATCH_SETTLED_TOPIC).isEqualTo(Hash.sha3String("BatchSettled(uint256,address,uint256,uint256,uint256)"));
    }

    static EscrowEvents.PayoutSettled payoutLog(long payoutId, long batchId, String payee, long net, long fee) {
        var pos = new EscrowEvents.LogPosition(12, "0x" + "ab".repeat(32), "0x" + "cd".repeat(32), 3);
        List<String> topics = List.of(EscrowEvents.PAYOUT_SETTLED_TOPIC, "0x" + TypeEncoder.encode(new Uint256(payoutId)),
                "0x" + TypeEncoder.encode(new Uint256(batchId)), "0x" + TypeEncoder.encode(new Address(payee)));
        String data = "0x" + TypeEncoder.encode(new Uint256(net)) + TypeEncoder.encode(new Uint256(fee));
        return (EscrowEvents.PayoutSettled) EscrowEvents.decode(pos, topics, data).orElseThrow();
    }

    @Test
    void decodesPayoutSettled() {
        var p = payoutLog(42, 7, PAYEE.toLowerCase(), 990_000, 10_000);
        assertThat(p.payoutId()).isEqualTo(BigInteger.valueOf(42));
        assertThat(p.batchId()).isEqualTo(BigInteger.valueOf(7));
        assertThat(p.payee()).isEqualTo(PAYEE); // EIP-55
        assertThat(p.netAmount()).isEqualTo(BigInteger.valueOf(990_000));
        assertThat(p.feeAmount()).isEqualTo(BigInteger.valueOf(10_000));
        assertThat(p.position().logIndex()).isEqualTo(3);
    }

    @Test
    void decodesBatchSettledAndIgnoresOthers() {
        var pos = new EscrowEvents.LogPosition(1, "0x01", "0x02", 0);
        String funder = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
        var d = EscrowEvents.decode(pos, List.of(EscrowEvents.BATCH_SETTLED_TOPIC, "0x" + TypeEncoder.encode(new Uint256(9)),
                "0x" + TypeEncoder.encode(new Address(funder))),
                "0x" + TypeEncoder.encode(new Uint256(2)) + TypeEncoder.encode(new Uint256(100)) + TypeEncoder.encode(new Uint256(3)));
        var b = (EscrowEvents.BatchSettled) d.orElseThrow();
        assertThat(b.funder()).isEqualTo(funder);
        assertThat(b.count()).isEqualTo(BigInteger.TWO);
        assertThat(b.totalNet()).isEqualTo(BigInteger.valueOf(100));
        assertThat(EscrowEvents.decode(pos, List.of(Hash.sha3String("Deposited(address,address,uint256)")), "0x")).isEmpty();
    }

    @Test
    void decodesDataWordsAsWeb3jDoesAndRefusesShortData() {
        var pos = new EscrowEvents.LogPosition(1, "0x01", "0x02", 0);
        BigInteger max = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);
        List<String> topics = List.of(EscrowEvents.PAYOUT_SETTLED_TOPIC, "0x" + TypeEncoder.encode(new Uint256(max)),
                "0x" + TypeEncoder.encode(new Uint256(0)), "0x" + TypeEncoder.encode(new Address(PAYEE)));
        for (BigInteger[] v : List.of(new BigInteger[] {BigInteger.ZERO, BigInteger.ONE}, new BigInteger[] {max, BigInteger.TWO.pow(255)},
                new BigInteger[] {BigInteger.valueOf(Long.MAX_VALUE), BigInteger.valueOf(990_000)})) {
            String data = "0x" + TypeEncoder.encode(new Uint256(v[0])) + TypeEncoder.encode(new Uint256(v[1]));
            @SuppressWarnings("rawtypes")
            List<org.web3j.abi.datatypes.Type> web3j = org.web3j.abi.FunctionReturnDecoder.decode(data,
                    EscrowEvents.PAYOUT_SETTLED.getNonIndexedParameters());
            var p = (EscrowEvents.PayoutSettled) EscrowEvents.decode(pos, topics, data).orElseThrow();
            assertThat(p.netAmount()).isEqualTo(web3j.get(0).getValue()).isEqualTo(v[0]);
            assertThat(p.feeAmount()).isEqualTo(web3j.get(1).getValue()).isEqualTo(v[1]);
            assertThat(p.payoutId()).isEqualTo(max);
            assertThat(p.batchId()).isZero();
            assertThat(p.payee()).isEqualTo(PAYEE);
            // words past the event's are ignored, as web3j ignores them; the 0x prefix is optional
            assertThat(EscrowEvents.decode(pos, topics, data.substring(2) + "00".repeat(32))).contains(p);
        }
        assertThatThrownBy(() -> EscrowEvents.decode(pos, topics, "0x" + TypeEncoder.encode(new Uint256(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EscrowEvents.decode(pos, topics, "0x" + "zz".repeat(64))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void logQuantitiesAreReadAsHex() {
        assertThat(ReconcileService.quantity("0x0")).isZero();
        assertThat(ReconcileService.quantity("0x1a")).isEqualTo(26);
        assertThat(ReconcileService.quantity("0x7fffffffffffffff")).isEqualTo(Long.MAX_VALUE);
        for (String bad : new String[] {null, "", "0x", "26", "0xzz", "0x8000000000000000", "0x-1", "0x+1"}) {
            assertThatThrownBy(() -> ReconcileService.quantity(bad)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void matcherAcceptsExactMatchAndNamesEveryDifference() {
        var log = payoutLog(42, 7, PAYEE, 990_000, 10_000);
        assertThat(PayoutMatcher.compare(log, new PayoutMatcher.Expected("co_1", 42, 7, PAYEE.toLowerCase(), 990_000, 10_000))).isEmpty();
        assertThat(PayoutMatcher.compare(log, null)).extracting(PayoutMatcher.Mismatch::kind).containsExactly(PayoutMatcher.Kind.UNKNOWN_PAYOUT);
        assertThat(PayoutMatcher.compare(log, new PayoutMatcher.Expected("co_1", 42, 8, "0x" + "1".repeat(40), 990_001, 9_999)))
                .extracting(PayoutMatcher.Mismatch::kind).containsExactly(PayoutMatcher.Kind.BATCH_MISMATCH,
                        PayoutMatcher.Kind.PAYEE_MISMATCH, PayoutMatcher.Kind.AMOUNT_MISMATCH, PayoutMatcher.Kind.FEE_MISMATCH);
    }

    @Test
    void reorgDetectorFindsLastCanonicalBlock() {
        List<ReorgDetector.StoredBlock> stored = List.of(new ReorgDetector.StoredBlock(12, "0xc"), new ReorgDetector.StoredBlock(10, "0xa"),
                new ReorgDetector.StoredBlock(7, "0x7"));
        assertThat(ReorgDetector.lastCanonical(stored, Map.of(12L, "0xc", 10L, "0xa", 7L, "0x7")::get, 64)).isEmpty();
        assertThat(ReorgDetector.lastCanonical(stored, Map.of(12L, "0xX", 10L, "0xY", 7L, "0x7")::get, 64)).isEqualTo(OptionalLong.of(7));
        assertThat(ReorgDetector.lastCanonical(stored, Map.of(7L, "0x7")::get, 64)).isEqualTo(OptionalLong.of(7)); // 12,10 gone (shorter chain)
        assertThat(ReorgDetector.lastCanonical(stored, n -> "0xother", 2)).isEqualTo(OptionalLong.of(9));
        assertThat(ReorgDetector.lastCanonical(List.of(), n -> null, 64)).isEmpty();
    }
}
