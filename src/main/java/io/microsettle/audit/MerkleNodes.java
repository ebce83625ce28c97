package io.microsettle.audit;

import java.util.List;

/**
 * Read access to the stored complete-subtree hashes of one append-only Merkle tree (a database table
 * keyed by (level, index) implements it; tests use an in-memory one). Everything the proofs and roots
 * need is read through one batched call of O(log n) ids.
 */
public interface MerkleNodes {
    /**
     * The hashes of the given complete subtrees, in the order asked. Every id asked for is complete at
     * a size the store has reached (the callers never ask for more); a store lacking one throws
     * {@link IllegalStateException}.
     */
    List<byte[]> read(List<MerkleNodeId> ids);
}
