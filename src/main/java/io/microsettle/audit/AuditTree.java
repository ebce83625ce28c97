package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The RFC 9162 tree of the audit log as stored in {@code audit_tree_nodes}: the sealer appends the
 * leaves of the events it links (in its transaction), and roots and proofs are computed from the
 * stored complete subtrees with one batched read ({@link MerkleTree}, {@link MerkleProofs}).
 */
@ApplicationScoped
public class AuditTree implements MerkleNodes {
    @Inject
    AgroalDataSource ds;

    @Override
    public List<byte[]> read(List<MerkleNodeId> ids) {
        if (ids.isEmpty()) return List.of();
        long[] levels = new long[ids.size()];
        long[] idxs = new long[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            levels[i] = ids.get(i).level();
            idxs[i] = ids.get(i).index();
        }
        // One primary-key lookup per node, whatever the planner estimates for unnest: written as a join
        // (with bigint levels against a smallint column), the sealer's reads of about 8 nodes took 15.8 ms
        // each, 31 % of the database time of the load benchmark's 32-client cash-out phase.
        return Db.query(ds, "SELECT (SELECT n.hash FROM audit_tree_nodes n WHERE n.level = q.level AND n.idx = q.idx) "
                + "FROM unnest(?::smallint[], ?::bigint[]) WITH ORDINALITY AS q(level, idx, ord) ORDER BY q.ord",
                rs -> rs.getBytes(1), levels, idxs);
    }

    /**
     * Appends the leaves of these links (consecutive, the first at leaf index {@code treeSize}) and stores
     * every subtree they complete; in the sealer's transaction, which holds the head.
     */
    void append(long treeSize, List<AuditChain.Link> links) {
        if (links.isEmpty()) return;
        if (links.getFirst().seq() != treeSize + 1) {
            throw new IllegalStateException("tree of size " + treeSize + " cannot take seq " + links.getFirst().seq());
        }
        MerkleFrontier frontier = MerkleFrontier.load(this, treeSize);
        List<MerkleNode> completed = new ArrayList<>(links.size() * 2);
        for (AuditChain.Link l : links) completed.addAll(frontier.append(MerkleTree.auditLeafHash(l)));
        int n = completed.size();
        long[] levels = new long[n];
        long[] idxs = new long[n];
        String[] hashes = new String[n];
        for (int i = 0; i < n; i++) {
            MerkleNode node = completed.get(i);
            levels[i] = node.id().level();
            idxs[i] = node.id().index();
            hashes[i] = node.hashHex();
        }
        Db.update(ds, "INSERT INTO audit_tree_nodes (level, idx, hash) SELECT l::smallint, i, decode(h, 'hex') "
                + "FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS u(l, i, h)", levels, idxs, hashes);
    }

    /** The number of leaves in the stored tree. */
    public long size() {
        return Db.scalar(ds, "SELECT tree_size FROM audit_head WHERE id = 1");
    }

    /** MTH of the first {@code size} events (at most the stored size). */
    public byte[] root(long size) {
        return MerkleTree.root(this, size);
    }

    public String rootHex(long size) {
        return HexFormat.of().formatHex(root(size));
    }

    /** The inclusion proof of the event with this seq in the tree of the first {@code size} events. */
    public List<byte[]> inclusion(long seq, long size) {
        return MerkleProofs.inclusion(this, MerkleTree.leafIndex(seq), size);
    }

    public List<byte[]> consistency(long first, long second) {
        return MerkleProofs.consistency(this, first, second);
    }

    /** The stored leaf hash of the event with this seq (null if the tree does not reach it). */
    public byte[] leaf(long seq) {
        return read(List.of(new MerkleNodeId(0, MerkleTree.leafIndex(seq)))).getFirst();
    }

    public static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(h -> HexFormat.of().formatHex(h)).toList();
    }
}
