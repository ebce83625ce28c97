package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The anchored tree heads (read side) and the proofs against them: RFC 9162 consistency proofs between
 * two anchored heads and inclusion proofs of events to the first anchored head that covers them. Reads
 * only committed, never-changing rows (anchors once ANCHORED, tree nodes), so it needs no locks.
 */
@ApplicationScoped
public class AnchorStore {
    @Inject
    AgroalDataSource ds;
    @Inject
    AuditTree tree;

    /** An anchored head: the tree of events 1..seq has this root, anchored by this transaction's log. */
    public record Anchor(long seq, String root, long chainId, String txHash, long blockNumber, String blockHash, int logIndex,
                         Instant anchoredAt) {}

    /** The inclusion proof of one event in an anchored head. */
    public record Inclusion(long seq, String leafHash, long leafIndex, Anchor anchor, List<String> proof) {}

    public record Consistency(Anchor from, Anchor to, List<String> proof) {}

    private static final String COLUMNS = "seq, root, chain_id, tx_hash, block_number, block_hash, log_index, anchored_at";

    private static Anchor anchor(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Anchor(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5), rs.getString(6), rs.getInt(7),
                Db.instant(rs, 8));
    }

    public List<Anchor> page(long afterSeq, int limit) {
        return Db.query(ds, "SELECT " + COLUMNS + " FROM audit_anchors WHERE state = 'ANCHORED' AND seq > ? ORDER BY seq LIMIT ?",
                AnchorStore::anchor, afterSeq, limit);
    }

    public Optional<Anchor> anchored(long seq) {
        return Db.one(ds, "SELECT " + COLUMNS + " FROM audit_anchors WHERE state = 'ANCHORED' AND seq = ?", AnchorStore::anchor, seq);
    }

    public Optional<Anchor> latest() {
        return Db.one(ds, "SELECT " + COLUMNS + " FROM audit_anchors WHERE state = 'ANCHORED' ORDER BY seq DESC LIMIT 1",
                AnchorStore::anchor);
    }

    /** The first anchored head that includes the event with this seq. */
    public Optional<Anchor> covering(long seq) {
        return Db.one(ds, "SELECT " + COLUMNS + " FROM audit_anchors WHERE state = 'ANCHORED' AND seq >= ? ORDER BY seq LIMIT 1",
                AnchorStore::anchor, seq);
    }

    /** All anchored heads with from <= seq <= to (at most limit), in seq order. */
    public List<Anchor> between(long from, long to, int limit) {
        return Db.query(ds, "SELECT " + COLUMNS + " FROM audit_anchors WHERE state = 'ANCHORED' AND seq >= ? AND seq <= ? "
                + "ORDER BY seq LIMIT ?", AnchorStore::anchor, from, to, limit);
    }

    /** The inclusion proof of event {@code seq} in {@code anchor} (which covers it). */
    public Inclusion inclusion(long seq, Anchor anchor) {
        if (seq < 1 || seq > anchor.seq()) throw new IllegalArgumentException("event " + seq + " is not in the head at " + anchor.seq());
        byte[] leaf = tree.leaf(seq);
        if (leaf == null) throw new IllegalStateException("the tree has no leaf for event " + seq);
        return new Inclusion(seq, HexFormat.of().formatHex(leaf), MerkleTree.leafIndex(seq), anchor,
                AuditTree.hex(tree.inclusion(seq, anchor.seq())));
    }

    public Consistency consistency(Anchor from, Anchor to) {
        if (from.seq() > to.seq()) throw new IllegalArgumentException("from is after to");
        List<String> proof = from.seq() == to.seq() ? List.of() : AuditTree.hex(tree.consistency(from.seq(), to.seq()));
        return new Consistency(from, to, proof);
    }
}
