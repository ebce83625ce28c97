package io.microsettle.audit;

import java.util.HexFormat;

/** A complete subtree's hash, as an appender hands it over to be stored. */
public record MerkleNode(MerkleNodeId id, byte[] hash) {
    public MerkleNode {
        if (id == null || hash == null || hash.length != MerkleTree.HASH_BYTES) {
            throw new IllegalArgumentException("a node needs an id and a 32-byte hash");
        }
        hash = hash.clone();
    }

    /** A copy: the node stays as it was made. */
    @Override
    public byte[] hash() {
        return hash.clone();
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }
}
