package io.microsettle.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** Decodes the escrow's settlement events from raw logs (topics + data). */
public final class EscrowEvents {
    private EscrowEvents() {}

    public static final Event PAYOUT_SETTLED = new Event("PayoutSettled", List.of(
            new TypeReference<Uint256>(true) {}, new TypeReference<Uint256>(true) {}, new TypeReference<Address>(true) {},
            new TypeReference<Uint256>() {}, new TypeReference<Uint256>() {}));
    public static final Event BATCH_SETTLED = new Event("BatchSettled", List.of(
            new TypeReference<Uint256>(true) {}, new TypeReference<Address>(true) {},
            new TypeReference<Uint256>() {}, new TypeReference<Uint256>() {}, new TypeReference<Uint256>() {}));
    public static final String PAYOUT_SETTLED_TOPIC = EventEncoder.encode(PAYOUT_SETTLED);
    public static final String BATCH_SETTLED_TOPIC = EventEncoder.encode(BATCH_SETTLED);

    /** Where a log sits on chain. */
    public record LogPosition(long blockNumber, String blockHash, String txHash, int logIndex) {}

    public sealed interface Decoded permits PayoutSettled, BatchSettled {
        LogPosition position();
    }

    public record PayoutSettled(LogPosition position, BigInteger payoutId, BigInteger batchId, String payee,
                                BigInteger netAmount, BigInteger feeAmount) implements Decoded {}

    public record BatchSettled(LogPosition position, BigInteger batchId, String funder, BigInteger count,
                               BigInteger totalNet, BigInteger totalFee) implements Decoded {}

    public static Optional<Decoded> decode(LogPosition pos, List<String> topics, String data) {
        if (topics == null || topics.isEmpty()) return Optional.empty();
        String t0 = topics.get(0).toLowerCase();
        if (t0.equals(PAYOUT_SETTLED_TOPIC) && topics.size() == 4) {
            List<Type> d = FunctionReturnDecoder.decode(data, PAYOUT_SETTLED.getNonIndexedParameters());
            return Optional.of(new PayoutSettled(pos, Numeric.toBigInt(topics.get(1)), Numeric.toBigInt(topics.get(2)),
                    topicAddress(topics.get(3)), (BigInteger) d.get(0).getValue(), (BigInteger) d.get(1).getValue()));
        }
        if (t0.equals(BATCH_SETTLED_TOPIC) && topics.size() == 3) {
            List<Type> d = FunctionReturnDecoder.decode(data, BATCH_SETTLED.getNonIndexedParameters());
            return Optional.of(new BatchSettled(pos, Numeric.toBigInt(topics.get(1)), topicAddress(topics.get(2)),
                    (BigInteger) d.get(0).getValue(), (BigInteger) d.get(1).getValue(), (BigInteger) d.get(2).getValue()));
        }
        return Optional.empty();
    }

    static String topicAddress(String topic) {
        String hex = Numeric.cleanHexPrefix(topic);
        return Keys.toChecksumAddress("0x" + hex.substring(hex.length() - 40));
    }
}
