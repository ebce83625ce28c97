package io.microsettle.audit;

/**
 * A complete subtree of an RFC 9162 Merkle tree: the node at {@code level} (0 = a leaf) covering
 * leaves {@code [index·2^level, (index+1)·2^level)}. Once all its leaves exist its hash never changes,
 * so it can be stored under (level, index).
 */
public record MerkleNodeId(int level, long index) {
    public MerkleNodeId {
        if (level < 0 || level > MerkleTree.MAX_LEVEL) throw new IllegalArgumentException("level out of range: " + level);
        if (index < 0 || index >= MerkleTree.MAX_SIZE >> level) throw new IllegalArgumentException("index out of range: " + index);
    }

    /** The first leaf index the node covers. */
    public long firstLeaf() {
        return index << level;
    }

    /** One past the last leaf index the node covers. */
    public long endLeaf() {
        return (index + 1) << level;
    }
}
