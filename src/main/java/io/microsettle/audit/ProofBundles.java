package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.ChainClient;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Db;
import io.microsettle.chain.EscrowEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The proof bundle of a settled cash-out: enough to check the payout with nothing but an RPC node. Its
 * audit events (and its batch's) as stored, with their leaf hashes and RFC 9162 inclusion proofs to the
 * first anchored head that covers them all, that anchor's transaction and log, and the payout's
 * transaction, block and raw PayoutSettled log as the chain returns it now (read with no transaction
 * open), decoded, with the escrow, token and chain id.
 */
@ApplicationScoped
public class ProofBundles {
    /** At most this many audit events go into one bundle. */
    static final int MAX_EVENTS = 1_000;

    @Inject
    AgroalDataSource ds;
    @Inject
    AnchorStore anchors;
    @Inject
    ChainClient chain;

    /** One audit event: the fields its hash covers ({@code payloadJson} hashed verbatim), its leaf hash and inclusion proof. */
    public record Event(long seq, String id, Instant at, String actor, String type, String subject, String payloadJson,
                        String prevHash, String hash, String leafHash, List<String> inclusionProof) {}

    public record Batch(String id, long chainBatchId, String funder, int payoutCount, String totalNet, String totalFee) {}

    public record RawLog(String address, List<String> topics, String data, long blockNumber, String blockHash, String transactionHash,
                         int logIndex, int transactionIndex) {}

    public record PayoutSettled(String payoutId, String batchId, String payee, String netAmount, String feeAmount) {}

    public record Cashout(String id, String status, String gross, String fee, String net, String destination, long payoutId,
                          Instant settledAt) {}

    public record Bundle(long chainId, String escrow, String token, Cashout cashout, Batch batch, String txHash, long blockNumber,
                         String blockHash, int logIndex, boolean receiptStatusOk, RawLog rawLog, PayoutSettled payoutSettled,
                         AnchorStore.Anchor anchor, List<Event> events) {}

    record Row(String id, String status, long gross, long fee, long net, String destination, Long payoutId, String batchId,
               String txHash, Long blockNumber, String blockHash, Integer logIndex, Instant settledAt) {}

    public Bundle bundle(String cashoutId) {
        Row c = Db.one(ds, "SELECT id, status, gross_base_units, fee_base_units, net_base_units, destination, payout_id, batch_id, "
                        + "tx_hash, block_number, block_hash, log_index, settled_at FROM cashouts WHERE id = ?",
                rs -> new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getString(6),
                        (Long) rs.getObject(7), rs.getString(8), rs.getString(9), (Long) rs.getObject(10), rs.getString(11),
                        (Integer) rs.getObject(12), Db.instant(rs, 13)), cashoutId)
                .orElseThrow(() -> ApiException.notFound("cash-out " + cashoutId));
        if (!"SETTLED".equals(c.status()) || c.txHash() == null || c.blockHash() == null || c.logIndex() == null) {
            throw ApiException.conflict("not_settled", "cash-out " + cashoutId + " is " + c.status() + ": a proof bundle needs a settled payout");
        }
        Batch batch = Db.one(ds, "SELECT id, chain_batch_id, funder_address, payout_count, total_net_base_units, total_fee_base_units "
                        + "FROM settlement_batches WHERE id = ?", rs -> new Batch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4),
                        Long.toString(rs.getLong(5)), Long.toString(rs.getLong(6))), c.batchId())
                .orElseThrow(() -> new IllegalStateException("settled cash-out " + cashoutId + " has no batch"));
        // read before the events: an event sealed after this read is in audit_events by the time they are read
        if (Db.one(ds, "SELECT 1 FROM audit_pending WHERE subject = ? OR subject = ? LIMIT 1", rs -> 1, cashoutId, c.batchId()).isPresent()) {
            throw ApiException.conflict("not_anchored", "the cash-out's latest audit events are not chained yet; they will be in a moment");
        }
        List<AuditChain.Link> links = Db.query(ds, "SELECT seq, at, actor, type, subject, payload_json, prev_hash, hash FROM audit_events "
                        + "WHERE subject = ? OR subject = ? ORDER BY seq LIMIT ?",
                rs -> new AuditChain.Link(rs.getLong(1), Db.instant(rs, 2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8)), cashoutId, c.batchId(), MAX_EVENTS);
        List<String> ids = Db.query(ds, "SELECT id FROM audit_events WHERE subject = ? OR subject = ? ORDER BY seq LIMIT ?",
                rs -> rs.getString(1), cashoutId, c.batchId(), MAX_EVENTS);
        if (links.isEmpty()) throw new IllegalStateException("cash-out " + cashoutId + " has no audit events");
        long lastSeq = links.getLast().seq();
        AnchorStore.Anchor anchor = anchors.covering(lastSeq).orElseThrow(() -> ApiException.conflict("not_anchored",
                "the cash-out's last audit event (" + lastSeq + ") is not covered by an anchored head yet; it will be at the next anchor"));
        List<Event> events = new ArrayList<>(links.size());
        for (int i = 0; i < links.size(); i++) {
            AuditChain.Link l = links.get(i);
            AnchorStore.Inclusion inc = anchors.inclusion(l.seq(), anchor);
            events.add(new Event(l.seq(), ids.get(i), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(), l.prevHash(), l.hash(),
                    inc.leafHash(), inc.proof()));
        }

        // the chain, now: the payout's receipt and its log at the stored block hash and index
        TransactionReceipt receipt;
        try {
            receipt = chain.web3j().ethGetTransactionReceipt(c.txHash()).send().getTransactionReceipt().orElse(null);
        } catch (IOException e) {
            throw ApiException.unavailable("chain_unavailable", "the chain cannot be read now: " + e.getMessage(), 5);
        }
        if (receipt == null || !c.blockHash().equalsIgnoreCase(receipt.getBlockHash())) {
            throw ApiException.conflict("chain_disagrees", "the chain has no receipt of " + c.txHash() + " in block " + c.blockHash()
                    + " now (a reorg?): the reconciler will settle it again");
        }
        Optional<Log> log = receipt.getLogs().stream().filter(l -> l.getLogIndex().intValue() == c.logIndex()).findFirst();
        Optional<EscrowEvents.Decoded> decoded = log.filter(l -> l.getAddress().equalsIgnoreCase(chain.escrowAddress()))
                .flatMap(l -> EscrowEvents.decode(new EscrowEvents.LogPosition(l.getBlockNumber().longValueExact(), l.getBlockHash(),
                        l.getTransactionHash(), l.getLogIndex().intValueExact()), l.getTopics(), l.getData()));
        if (decoded.isEmpty() || !(decoded.get() instanceof EscrowEvents.PayoutSettled p)) {
            throw ApiException.conflict("chain_disagrees", "log " + c.logIndex() + " of " + c.txHash() + " is not the escrow's PayoutSettled");
        }
        Log l = log.get();
        RawLog raw = new RawLog(l.getAddress(), List.copyOf(l.getTopics()), l.getData(), l.getBlockNumber().longValueExact(),
                l.getBlockHash(), l.getTransactionHash(), l.getLogIndex().intValueExact(), l.getTransactionIndex().intValueExact());
        PayoutSettled ps = new PayoutSettled(p.payoutId().toString(), p.batchId().toString(), p.payee(), p.netAmount().toString(),
                p.feeAmount().toString());
        Cashout co = new Cashout(c.id(), c.status(), Long.toString(c.gross()), Long.toString(c.fee()), Long.toString(c.net()),
                c.destination(), c.payoutId() == null ? 0 : c.payoutId(), c.settledAt());
        return new Bundle(chain.chainId(), chain.escrowAddress(), chain.tokenAddress(), co, batch, c.txHash(),
                receipt.getBlockNumber().longValueExact(), receipt.getBlockHash(), c.logIndex(), receipt.isStatusOK(), raw, ps, anchor, events);
    }
}
