package io.microsettle.audit;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The incremental appender of an RFC 9162 tree (a compact range over [0, size)): the O(log n) complete
 * subtrees on the tree's right edge, largest first. Appending a leaf returns the nodes it completes (the
 * leaf itself and every parent it closes), which is what a store must keep to serve proofs later; the
 * root of the current size is always at hand. Not thread-safe: one appender per tree, as appends to
 * the audit chain are serialised anyway.
 */
public final class MerkleFrontier {
    private static final Pattern HASH_HEX = Pattern.compile("[0-9a-f]{64}");

    /** The serialisable state: the size and the right-edge hashes as lowercase hex, largest subtree first. */
    public record State(long size, List<String> hashesHex) {
        public State {
            MerkleTree.checkSize(size);
            hashesHex = List.copyOf(hashesHex);
            if (hashesHex.size() != Long.bitCount(size)) {
                throw new IllegalArgumentException("a tree of size " + size + " has " + Long.bitCount(size) + " edge hashes, not " + hashesHex.size());
            }
            for (String h : hashesHex) {
                if (!HASH_HEX.matcher(h).matches()) throw new IllegalArgumentException("edge hashes are 64 lowercase hex digits");
            }
        }
    }

    private long size;
    private final ArrayList<byte[]> edge;

    private MerkleFrontier(long size, List<byte[]> edge) {
        this.size = size;
        this.edge = new ArrayList<>(edge);
    }

    public static MerkleFrontier empty() {
        return new MerkleFrontier(0, List.of());
    }

    /** Resumes from a state saved by {@link #state()}. */
    public static MerkleFrontier resume(State state) {
        List<byte[]> edge = new ArrayList<>();
        for (String h : state.hashesHex()) edge.add(HexFormat.of().parseHex(h));
        return new MerkleFrontier(state.size(), edge);
    }

    /** Rebuilds the appender of a stored tree of {@code size} leaves from its O(log n) right-edge nodes. */
    public static MerkleFrontier load(MerkleNodes nodes, long size) {
        MerkleTree.checkSize(size);
        if (size == 0) return empty();
        List<MerkleNodeId> ids = MerkleTree.cover(0, size);
        return new MerkleFrontier(size, MerkleTree.checked(nodes.read(ids), ids.size()));
    }

    public long size() {
        return size;
    }

    /**
     * Appends the leaf with this leaf hash (index = the size before) and returns the nodes it completed,
     * lowest first: the leaf, then each parent closed by it.
     */
    public List<MerkleNode> append(byte[] leafHash) {
        if (leafHash.length != MerkleTree.HASH_BYTES) throw new IllegalArgumentException("a leaf hash is 32 bytes");
        if (size == MerkleTree.MAX_SIZE) throw new IllegalStateException("the tree is full");
        long index = size;
        byte[] h = leafHash.clone();
        List<MerkleNode> completed = new ArrayList<>(1 + Long.numberOfTrailingZeros(~index));
        completed.add(new MerkleNode(new MerkleNodeId(0, index), h));
        int level = 0;
        // While the subtree just closed is a right child, its left sibling is the smallest edge subtree.
        while (((index >> level) & 1) == 1) {
            h = MerkleTree.nodeHash(edge.removeLast(), h);
            level++;
            completed.add(new MerkleNode(new MerkleNodeId(level, index >> level), h));
        }
        edge.add(h);
        size++;
        assert edge.size() == Long.bitCount(size);
        return completed;
    }

    /** As {@link #append}, keeping only the right edge (verify re-builds a tree without storing its nodes). */
    public void appendLeaf(byte[] leafHash) {
        if (leafHash.length != MerkleTree.HASH_BYTES) throw new IllegalArgumentException("a leaf hash is 32 bytes");
        if (size == MerkleTree.MAX_SIZE) throw new IllegalStateException("the tree is full");
        long index = size;
        byte[] h = leafHash;
        for (int level = 0; ((index >> level) & 1) == 1; level++) h = MerkleTree.nodeHash(edge.removeLast(), h);
        edge.add(h);
        size++;
    }

    /** MTH of the current size (the empty tree's hash at size 0). */
    public byte[] root() {
        return size == 0 ? MerkleTree.emptyRoot() : MerkleTree.foldRight(edge).clone();
    }

    public State state() {
        List<String> hex = new ArrayList<>(edge.size());
        for (byte[] h : edge) hex.add(HexFormat.of().formatHex(h));
        return new State(size, hex);
    }
}
