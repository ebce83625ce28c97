package io.microsettle.verify;

import io.microsettle.audit.AuditChain;
import io.microsettle.audit.MerkleProofs;
import io.microsettle.audit.MerkleTree;
import io.microsettle.chain.EscrowEvents;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Checks {@link Claims} against the chain alone: the chain id and escrow, every event re-hashed (its hash, its link to
 * the event before when that is in the file, its RFC 9162 leaf hash) and included in a root read from the escrow's
 * AuditAnchored log, consistency proofs between anchored roots, and every payout against the PayoutSettled log at its
 * block hash and log index (logs read by block range, one receipt per transaction for its status). Nothing the file
 * says about the chain is taken as is; every difference is a named {@link Mismatch}.
 */
public final class ChainVerifier {
    static final Event AUDIT_ANCHORED = new Event("AuditAnchored",
            List.of(new TypeReference<Uint256>(true) {}, new TypeReference<Bytes32>() {}));
    static final String AUDIT_ANCHORED_TOPIC = EventEncoder.encode(AUDIT_ANCHORED);
    /** At most this many seqs go into one eth_getLogs topic filter. */
    static final int MAX_TOPICS_PER_QUERY = 100;

    public record Options(String pinnedEscrow, Long pinnedChainId, long maxBlockRange) {
        public Options {
            if (maxBlockRange < 1) throw new IllegalArgumentException("--max-block-range must be positive");
        }
    }

    public record Counts(int events, int eventsIncluded, int anchors, int anchorsOnChain, int consistencyProofs, int payouts,
                         int payoutsMatched, int logRanges, long rpcCalls, Long minConfirmations) {}

    public record Report(boolean ok, String kind, String subject, String rpc, long chainId, String escrow, boolean escrowPinned,
                         long headBlock, Counts counts, List<Mismatch> mismatches) {}

    private final RpcChain chain;
    private final Options options;
    private final Progress progress;
    private final List<Mismatch> mismatches = new ArrayList<>();
    private int logRanges;

    public ChainVerifier(RpcChain chain, Options options, Progress progress) {
        this.chain = chain;
        this.options = options;
        this.progress = progress;
    }

    private void miss(String code, String subject, String detail) {
        mismatches.add(new Mismatch(code, subject, detail));
    }

    public Report verify(Claims c, String rpc) {
        mismatches.addAll(c.fileMismatches());
        long chainId = chain.chainId();
        long head = chain.headBlock();
        if (c.chainId() != null && c.chainId() != chainId) {
            miss("chain_id", "chain", "the file is for chain " + c.chainId() + ", the RPC node serves chain " + chainId);
        }
        if (options.pinnedChainId() != null && options.pinnedChainId() != chainId) {
            miss("chain_id", "chain", "--chain-id is " + options.pinnedChainId() + ", the RPC node serves chain " + chainId);
        }
        String escrow = options.pinnedEscrow() != null ? options.pinnedEscrow() : c.escrow();
        boolean escrowOk = checkEscrow(c, escrow, chainId);

        // events: re-hashed and linked; leaf hashes computed here, never taken from the file
        Map<Long, byte[]> leaves = new LinkedHashMap<>();
        rehash(c.events(), leaves);

        // anchors: the roots as the chain has them
        Map<Long, byte[]> roots = escrowOk ? anchors(c.anchors(), escrow) : Map.of();
        int included = 0;
        int done = 0;
        for (Claims.EventClaim e : c.events()) {
            progress.step("inclusion proofs", ++done, c.events().size());
            long seq = e.link().seq();
            byte[] root = roots.get(e.anchorSeq());
            byte[] leaf = leaves.get(seq);
            if (root == null || leaf == null) continue;  // named already (anchor or event)
            List<byte[]> proof = hashes(e.inclusionProof(), "inclusion proof of event " + seq);
            if (proof != null && MerkleProofs.verifyInclusion(leaf, seq - 1, e.anchorSeq(), proof, root)) {
                included++;
            } else if (proof != null) {
                miss("inclusion", "event " + seq, "its leaf is not in the tree of " + e.anchorSeq() + " events anchored on chain"
                        + " (root " + hex(root) + ") by the given inclusion proof");
            }
        }
        for (Claims.ConsistencyClaim k : c.consistency()) {
            byte[] from = roots.get(k.fromSeq());
            byte[] to = roots.get(k.toSeq());
            if (from == null || to == null) {
                miss("consistency", "anchors " + k.fromSeq() + ".." + k.toSeq(), "both heads must be anchored on chain to check the proof");
                continue;
            }
            List<byte[]> proof = hashes(k.proof(), "consistency proof " + k.fromSeq() + ".." + k.toSeq());
            if (proof != null && !MerkleProofs.verifyConsistency(k.fromSeq(), k.toSeq(), from, to, proof)) {
                miss("consistency", "anchors " + k.fromSeq() + ".." + k.toSeq(),
                        "the head anchored at " + k.fromSeq() + " is not proven a prefix of the head anchored at " + k.toSeq());
            }
        }
        PayoutResult payouts = escrowOk ? payouts(c.payouts(), escrow, head) : new PayoutResult(0, null);
        if (!escrowOk && !c.payouts().isEmpty()) {
            miss("payout_unchecked", c.payouts().size() + " payout(s)", "not checked: the escrow is not the one the file claims");
        }
        Counts counts = new Counts(c.events().size(), included, c.anchors().size(), roots.size(), c.consistency().size(),
                c.payouts().size(), payouts.matched(), logRanges, chain.calls(), payouts.minConfirmations());
        return new Report(mismatches.isEmpty(), c.kind(), c.subject(), rpc, chainId, escrow, options.pinnedEscrow() != null, head, counts,
                List.copyOf(mismatches));
    }

    /** The escrow to read: pinned or the file's, a contract on this chain whose token() is the file's token. */
    private boolean checkEscrow(Claims c, String escrow, long chainId) {
        if (escrow == null || !isAddress(escrow)) {
            miss("escrow", "escrow", "no escrow address (the file names none: pass --escrow)");
            return false;
        }
        if (options.pinnedEscrow() != null && c.escrow() != null && !c.escrow().equalsIgnoreCase(options.pinnedEscrow())) {
            miss("escrow", "escrow", "the file names escrow " + c.escrow() + ", --escrow pins " + options.pinnedEscrow());
        }
        if (!chain.hasCode(escrow)) {
            miss("escrow", "escrow", "there is no contract at " + escrow + " on chain " + chainId);
            return false;
        }
        Optional<String> token = chain.token(escrow);
        if (token.isEmpty()) {
            miss("escrow", "escrow", escrow + " does not answer token(): it is not the settlement escrow");
            return false;
        }
        if (c.token() != null && !c.token().equalsIgnoreCase(token.get())) {
            miss("token", "escrow", "the escrow at " + escrow + " pays in token " + token.get() + ", the file names " + c.token());
        }
        return true;  // a wrong token name is a mismatch; the escrow can still be read
    }

    private void rehash(List<Claims.EventClaim> events, Map<Long, byte[]> leaves) {
        Map<Long, AuditChain.Link> bySeq = new HashMap<>();
        int done = 0;
        for (Claims.EventClaim e : events) {
            progress.step("events re-hashed", ++done, events.size());
            AuditChain.Link l = e.link();
            if (bySeq.put(l.seq(), l) != null) {
                miss("malformed", "event " + l.seq(), "the seq appears twice in the file");
                continue;
            }
            String hash = AuditChain.hash(l.seq(), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(), l.prevHash());
            if (!hash.equals(l.hash())) {
                miss("event_hash", "event " + l.seq(), "its content hashes to " + hash + ", the file says " + l.hash()
                        + " (type " + l.type() + ", subject " + l.subject() + ")");
            }
            byte[] leaf = MerkleTree.auditLeafHash(l);
            leaves.put(l.seq(), leaf);
            if (e.leafHash() != null && !hex(leaf).equalsIgnoreCase(e.leafHash())) {
                miss("leaf_hash", "event " + l.seq(), "its RFC 9162 leaf hash is " + hex(leaf) + ", the file says " + e.leafHash());
            }
        }
        for (AuditChain.Link l : bySeq.values()) {
            AuditChain.Link prev = bySeq.get(l.seq() - 1);
            if (prev != null && !Objects.equals(prev.hash(), l.prevHash())) {
                miss("event_link", "event " + l.seq(), "its prevHash " + l.prevHash() + " is not event " + prev.seq() + "'s hash " + prev.hash());
            }
            if (l.seq() == 1 && !AuditChain.GENESIS_HASH.equals(l.prevHash())) {
                miss("event_link", "event 1", "the first event's prevHash must be " + AuditChain.GENESIS_HASH);
            }
        }
    }

    /** The root of each claimed anchor as the escrow's AuditAnchored log has it (only those found where the file says). */
    private Map<Long, byte[]> anchors(List<Claims.AnchorClaim> claims, String escrow) {
        Map<Long, byte[]> roots = new HashMap<>();
        if (claims.isEmpty()) return roots;
        Map<Long, List<Log>> bySeq = new HashMap<>();
        List<BlockRanges.Range> ranges = BlockRanges.cover(claims.stream().map(Claims.AnchorClaim::blockNumber).toList(),
                options.maxBlockRange());
        int done = 0;
        for (BlockRanges.Range r : ranges) {
            progress.step("anchor log ranges", ++done, ranges.size());
            List<String> seqTopics = new ArrayList<>();
            for (Claims.AnchorClaim a : claims) {
                if (a.blockNumber() >= r.from() && a.blockNumber() <= r.to()) seqTopics.add(topic(BigInteger.valueOf(a.seq())));
            }
            for (int i = 0; i < seqTopics.size(); i += MAX_TOPICS_PER_QUERY) {
                logRanges++;
                for (Log l : chain.logs(AUDIT_ANCHORED_TOPIC, seqTopics.subList(i, Math.min(seqTopics.size(), i + MAX_TOPICS_PER_QUERY)),
                        r.from(), r.to())) {
                    if (l.getTopics().size() < 2 || Boolean.TRUE.equals(l.isRemoved())) continue;
                    bySeq.computeIfAbsent(Numeric.toBigInt(l.getTopics().get(1)).longValueExact(), k -> new ArrayList<>()).add(l);
                }
            }
        }
        Long lastAnchored = null;
        for (Claims.AnchorClaim a : claims) {
            String subject = "anchor " + a.seq();
            List<Log> found = bySeq.getOrDefault(a.seq(), List.of());
            Optional<Log> fromEscrow = found.stream().filter(l -> escrow.equalsIgnoreCase(l.getAddress())).findFirst();
            if (fromEscrow.isEmpty()) {
                if (lastAnchored == null) lastAnchored = chain.lastAnchoredSeq(escrow).orElse(-1L);
                String others = found.isEmpty() ? "" : " (one from " + found.getFirst().getAddress() + ", another contract)";
                miss("anchor_missing", subject, "the escrow " + escrow + " has no AuditAnchored(seq " + a.seq() + ") log in block "
                        + a.blockNumber() + others + "; its lastAnchoredSeq() is " + lastAnchored
                        + (lastAnchored < a.seq() ? ": no head at seq " + a.seq() + " is anchored on chain" : ": the file names the wrong block"));
                continue;
            }
            Log l = fromEscrow.get();
            byte[] root = Numeric.hexStringToByteArray(l.getData());
            if (root.length != MerkleTree.HASH_BYTES) {
                miss("anchor_missing", subject, "the AuditAnchored log's data is not a 32-byte root");
                continue;
            }
            roots.put(a.seq(), root);
            if (!l.getBlockHash().equalsIgnoreCase(a.blockHash())) {
                miss("anchor_position", subject, "anchored in block " + l.getBlockNumber() + " with hash " + l.getBlockHash()
                        + ", the file says " + a.blockHash());
            }
            if (!l.getTransactionHash().equalsIgnoreCase(a.txHash()) || l.getLogIndex().intValueExact() != a.logIndex()) {
                miss("anchor_position", subject, "anchored by tx " + l.getTransactionHash() + " log " + l.getLogIndex()
                        + ", the file says tx " + a.txHash() + " log " + a.logIndex());
            }
            if (!hex(root).equalsIgnoreCase(Numeric.cleanHexPrefix(a.root()))) {
                miss("anchor_root", subject, "the chain anchored root " + hex(root) + " at seq " + a.seq() + ", the file claims " + a.root());
            }
        }
        return roots;
    }

    record PayoutResult(int matched, Long minConfirmations) {}

    private PayoutResult payouts(List<Claims.PayoutClaim> claims, String escrow, long head) {
        if (claims.isEmpty()) return new PayoutResult(0, null);
        Map<Long, List<Log>> byBlock = payoutLogsByBlock(claims);
        Set<String> txs = new LinkedHashSet<>(); // one receipt per transaction (not per payout): its status
        Map<String, Claims.PayoutClaim> matchedLogs = new LinkedHashMap<>();
        int matched = 0;
        Long minDepth = null;
        int done = 0;
        for (Claims.PayoutClaim p : claims) {
            progress.step("payouts", ++done, claims.size());
            Optional<Log> at = payoutLog(p, byBlock.getOrDefault(p.blockNumber(), List.of()), escrow, head);
            if (at.isEmpty()) continue;
            Match m = compare(p, at.get(), escrow);
            if (m == Match.NOT_A_PAYOUT) continue;
            txs.add(at.get().getTransactionHash().toLowerCase());
            matchedLogs.put(p.subject(), p);
            long depth = head - p.blockNumber() + 1;
            minDepth = minDepth == null ? depth : Math.min(minDepth, depth);
            if (m == Match.MATCHED) matched++;
        }
        return new PayoutResult(matched - failedReceipts(txs, matchedLogs), minDepth);
    }

    /** The escrow's PayoutSettled logs in the blocks the claims name, by block, read by block range. */
    private Map<Long, List<Log>> payoutLogsByBlock(List<Claims.PayoutClaim> claims) {
        Map<Long, List<Log>> byBlock = new HashMap<>();
        List<BlockRanges.Range> ranges = BlockRanges.cover(claims.stream().map(Claims.PayoutClaim::blockNumber).toList(),
                options.maxBlockRange());
        int done = 0;
        for (BlockRanges.Range r : ranges) {
            progress.step("payout log ranges", ++done, ranges.size());
            logRanges++;
            for (Log l : chain.logs(EscrowEvents.PAYOUT_SETTLED_TOPIC, null, r.from(), r.to())) {
                if (Boolean.TRUE.equals(l.isRemoved())) continue;
                byBlock.computeIfAbsent(l.getBlockNumber().longValueExact(), k -> new ArrayList<>()).add(l);
            }
        }
        return byBlock;
    }

    /** The escrow's log where the claim says it is (block, block hash, log index); empty, with the miss named, when it is not. */
    private Optional<Log> payoutLog(Claims.PayoutClaim p, List<Log> inBlock, String escrow, long head) {
        String s = p.subject();
        String chainBlockHash = inBlock.isEmpty() ? chain.blockHash(p.blockNumber()).orElse(null) : inBlock.getFirst().getBlockHash();
        if (chainBlockHash == null) {
            miss("payout_missing", s, "block " + p.blockNumber() + " is past the chain's head " + head);
            return Optional.empty();
        }
        if (!chainBlockHash.equalsIgnoreCase(p.blockHash())) {
            miss("block_hash", s, "block " + p.blockNumber() + " on chain has hash " + chainBlockHash + ", the file says " + p.blockHash()
                    + " (a wrong hash, or a block reorged out)");
            return Optional.empty();
        }
        Optional<Log> at = inBlock.stream().filter(l -> l.getLogIndex().intValueExact() == p.logIndex()).findFirst();
        if (at.isEmpty()) {
            miss("payout_missing", s, "block " + p.blockNumber() + " (" + p.blockHash() + ") has no PayoutSettled log at index "
                    + p.logIndex() + (inBlock.isEmpty() ? " (none at all)" : " (it has them at " + inBlock.stream()
                    .map(l -> l.getLogIndex().toString()).toList() + ")"));
            return Optional.empty();
        }
        if (!escrow.equalsIgnoreCase(at.get().getAddress())) {
            miss("escrow_address", s, "the PayoutSettled log at block " + p.blockNumber() + " index " + p.logIndex() + " was emitted by "
                    + at.get().getAddress() + ", not by the escrow " + escrow);
            return Optional.empty();
        }
        return at;
    }

    /** How a claim compares with the chain's log at its position. */
    enum Match { MATCHED, DIFFERS, NOT_A_PAYOUT }

    /** The claim's transaction, payee, amounts, ids, raw log and decoded event against the chain's log; each difference named. */
    private Match compare(Claims.PayoutClaim p, Log l, String escrow) {
        String s = p.subject();
        boolean ok = true;
        if (!l.getTransactionHash().equalsIgnoreCase(p.txHash())) {
            miss("tx_hash", s, "the log at block " + p.blockNumber() + " index " + p.logIndex() + " is in tx " + l.getTransactionHash()
                    + ", the file says " + p.txHash());
            ok = false;
        }
        Optional<EscrowEvents.Decoded> d = EscrowEvents.decode(new EscrowEvents.LogPosition(l.getBlockNumber().longValueExact(),
                l.getBlockHash(), l.getTransactionHash(), l.getLogIndex().intValueExact()), l.getTopics(), l.getData());
        if (d.isEmpty() || !(d.get() instanceof EscrowEvents.PayoutSettled ps)) {
            miss("payout_missing", s, "the log at block " + p.blockNumber() + " index " + p.logIndex() + " is not a PayoutSettled");
            return Match.NOT_A_PAYOUT;
        }
        ok &= same("payee", s, ps.payee(), p.payee(), true);
        ok &= same("net_amount", s, ps.netAmount(), p.net(), false);
        ok &= same("fee_amount", s, ps.feeAmount(), p.fee(), false);
        if (p.payoutId() != null) ok &= same("payout_id", s, ps.payoutId(), p.payoutId(), false);
        if (p.chainBatchId() != null) ok &= same("batch_id", s, ps.batchId(), p.chainBatchId(), false);
        if (p.rawLog() != null) {
            boolean raw = Objects.equals(lower(p.rawLog().topics()), lower(l.getTopics()))
                    && Numeric.cleanHexPrefix(String.valueOf(p.rawLog().data())).equalsIgnoreCase(Numeric.cleanHexPrefix(l.getData()))
                    && escrow.equalsIgnoreCase(String.valueOf(p.rawLog().address()));
            if (!raw) {
                miss("raw_log", s, "the file's raw log is not the chain's (address " + l.getAddress() + ", topics " + l.getTopics()
                        + ", data " + l.getData() + ")");
                ok = false;
            }
        }
        if (p.decoded() != null) {
            Claims.Decoded x = p.decoded();
            boolean same = String.valueOf(x.payee()).equalsIgnoreCase(ps.payee()) && ps.netAmount().equals(x.net())
                    && ps.feeAmount().equals(x.fee()) && ps.payoutId().equals(x.payoutId()) && ps.batchId().equals(x.batchId());
            if (!same) {
                miss("raw_log", s, "the file's decoded PayoutSettled " + x + " is not the chain's (payout " + ps.payoutId() + ", batch "
                        + ps.batchId() + ", payee " + ps.payee() + ", net " + ps.netAmount() + ", fee " + ps.feeAmount() + ")");
                ok = false;
            }
        }
        return ok ? Match.MATCHED : Match.DIFFERS;
    }

    /** Reads one receipt per transaction; each matched claim whose transaction did not succeed is a miss. Returns how many. */
    private int failedReceipts(Set<String> txs, Map<String, Claims.PayoutClaim> matchedLogs) {
        Map<String, Boolean> status = new HashMap<>();
        int done = 0;
        for (String tx : txs) {
            progress.step("receipts", ++done, txs.size());
            Optional<TransactionReceipt> r = chain.receipt(tx);
            status.put(tx, r.map(TransactionReceipt::isStatusOK).orElse(false));
        }
        int failed = 0;
        for (Map.Entry<String, Claims.PayoutClaim> e : matchedLogs.entrySet()) {
            if (!status.getOrDefault(e.getValue().txHash().toLowerCase(), true)) {
                miss("receipt_status", e.getKey(), "the receipt of " + e.getValue().txHash() + " does not have status 1");
                failed++;
            }
        }
        return failed;
    }

    private boolean same(String code, String subject, Object chainValue, Object claimed, boolean ignoreCase) {
        boolean eq = ignoreCase ? String.valueOf(chainValue).equalsIgnoreCase(String.valueOf(claimed)) : Objects.equals(chainValue, claimed);
        if (!eq) miss(code, subject, "the chain's PayoutSettled says " + chainValue + ", the file says " + claimed);
        return eq;
    }

    private List<byte[]> hashes(List<String> hex, String what) {
        List<byte[]> out = new ArrayList<>(hex.size());
        for (String h : hex) {
            String clean = h == null ? "" : Numeric.cleanHexPrefix(h);
            if (clean.length() != 2 * MerkleTree.HASH_BYTES || !clean.matches("[0-9a-fA-F]+")) {
                miss("malformed", what, "an element is not a 32-byte hex hash: " + h);
                return null;
            }
            out.add(HexFormat.of().parseHex(clean));
        }
        return out;
    }

    private static List<String> lower(List<String> xs) {
        return xs == null ? null : xs.stream().map(x -> x == null ? null : x.toLowerCase()).toList();
    }

    static String topic(BigInteger v) {
        return Numeric.toHexStringWithPrefixZeroPadded(v, 64);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static boolean isAddress(String a) {
        return a.matches("0x[0-9a-fA-F]{40}");
    }
}
