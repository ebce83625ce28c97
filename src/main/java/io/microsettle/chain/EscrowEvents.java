package io.microsettle.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.generated.Uint256;
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

    /**
     * The escrow's PayoutSettled or BatchSettled log (empty for any other). Reads the 32-byte words of the data
     * directly (as the ABI lays out static uint256 values; words past the event's are ignored, too few is an
     * IllegalArgumentException): web3j's reflective FunctionReturnDecoder cost more than the rest of a range's ingestion.
     */
    public static Optional<Decoded> decode(LogPosition pos, List<String> topics, String data) {
        if (topics == null || topics.isEmpty()) return Optional.empty();
        String t0 = topics.get(0).toLowerCase();
        if (t0.equals(PAYOUT_SETTLED_TOPIC) && topics.size() == 4) {
            String hex = words(data, 2);
            return Optional.of(new PayoutSettled(pos, Numeric.toBigInt(topics.get(1)), Numeric.toBigInt(topics.get(2)),
                    topicAddress(topics.get(3)), word(hex, 0), word(hex, 1)));
        }
        if (t0.equals(BATCH_SETTLED_TOPIC) && topics.size() == 3) {
            String hex = words(data, 3);
            return Optional.of(new BatchSettled(pos, Numeric.toBigInt(topics.get(1)), topicAddress(topics.get(2)),
                    word(hex, 0), word(hex, 1), word(hex, 2)));
        }
        return Optional.empty();
    }

    /** The data's hex without 0x, at least {@code n} words long. */
    private static String words(String data, int n) {
        String hex = data == null ? "" : Numeric.cleanHexPrefix(data);
        if (hex.length() < 64 * n) throw new IllegalArgumentException("log data has " + hex.length() / 64 + " words, expected " + n);
        return hex;
    }

    /** The {@code i}-th 32-byte word as an unsigned integer. */
    private static BigInteger word(String hex, int i) {
        return new BigInteger(hex.substring(64 * i, 64 * (i + 1)), 16);
    }

    static String topicAddress(String topic) {
        String hex = Numeric.cleanHexPrefix(topic);
        return io.microsettle.infra.Addresses.checksum(hex.substring(hex.length() - 40));
    }
}
