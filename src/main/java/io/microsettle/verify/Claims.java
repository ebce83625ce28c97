package io.microsettle.verify;

import io.microsettle.audit.AuditChain;

import java.math.BigInteger;
import java.util.List;

/**
 * What a file (a proof bundle or an export) claims, in the shape the chain checks need; and the mismatches found
 * inside the file itself (it contradicts its own anchored events, or its own arithmetic).
 */
public record Claims(String kind, String subject, Long chainId, String escrow, String token, List<AnchorClaim> anchors,
                     List<EventClaim> events, List<PayoutClaim> payouts, List<ConsistencyClaim> consistency,
                     List<Mismatch> fileMismatches) {

    /** An anchored tree head: the escrow's AuditAnchored(seq, root) log at this position. */
    public record AnchorClaim(long seq, String root, String txHash, long blockNumber, String blockHash, int logIndex) {}

    /** An audit event with its claimed leaf hash and inclusion proof in the head anchored at {@code anchorSeq}. */
    public record EventClaim(AuditChain.Link link, String leafHash, List<String> inclusionProof, long anchorSeq) {}

    /** An RFC 9162 consistency proof between two anchored heads. */
    public record ConsistencyClaim(long fromSeq, long toSeq, List<String> proof) {}

    /**
     * A payout: the escrow's PayoutSettled log at (blockHash, logIndex) of transaction txHash pays {@code net} to
     * {@code payee} with {@code fee}; payoutId and chainBatchId when the file names them; the raw log and its decoding
     * as the file carries them (null when it does not).
     */
    public record PayoutClaim(String subject, String txHash, long blockNumber, String blockHash, int logIndex, String payee,
                              BigInteger net, BigInteger fee, BigInteger payoutId, BigInteger chainBatchId, RawLog rawLog,
                              Decoded decoded) {}

    public record RawLog(String address, List<String> topics, String data) {}

    public record Decoded(String payee, BigInteger net, BigInteger fee, BigInteger payoutId, BigInteger batchId) {}
}
