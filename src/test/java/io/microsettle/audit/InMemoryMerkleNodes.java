package io.microsettle.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The complete-subtree store of one tree in memory (tests and benchmarks): per level one growing byte
 * array of 32-byte hashes. Nodes must arrive in order per level, as an appender completes them; it
 * counts reads so that tests can check how many nodes a proof needed.
 */
public final class InMemoryMerkleNodes implements MerkleNodes {
    private final byte[][] levels = new byte[MerkleTree.MAX_LEVEL + 1][];
    private final long[] counts = new long[MerkleTree.MAX_LEVEL + 1];
    private long readCalls;
    private long nodesRead;

    public void put(List<MerkleNode> nodes) {
        for (MerkleNode n : nodes) put(n);
    }

    public void put(MerkleNode node) {
        int level = node.id().level();
        if (node.id().index() != counts[level]) {
            throw new IllegalStateException("node " + node.id() + " out of order; level holds " + counts[level]);
        }
        int at = Math.toIntExact(counts[level] * MerkleTree.HASH_BYTES);
        byte[] a = levels[level];
        if (a == null || a.length < at + MerkleTree.HASH_BYTES) {
            levels[level] = a = Arrays.copyOf(a == null ? new byte[0] : a, Math.max(1024, 2 * (at + MerkleTree.HASH_BYTES)));
        }
        System.arraycopy(node.hash(), 0, a, at, MerkleTree.HASH_BYTES);
        counts[level]++;
    }

    @Override
    public List<byte[]> read(List<MerkleNodeId> ids) {
        readCalls++;
        nodesRead += ids.size();
        List<byte[]> out = new ArrayList<>(ids.size());
        for (MerkleNodeId id : ids) {
            if (id.index() >= counts[id.level()]) throw new IllegalStateException("node " + id + " is not complete");
            int at = Math.toIntExact(id.index() * MerkleTree.HASH_BYTES);
            out.add(Arrays.copyOfRange(levels[id.level()], at, at + MerkleTree.HASH_BYTES));
        }
        return out;
    }

    public long readCalls() {
        return readCalls;
    }

    public long nodesRead() {
        return nodesRead;
    }

    /** A store and its appender over the leaves with these leaf hashes. */
    public static InMemoryMerkleNodes of(List<byte[]> leafHashes, MerkleFrontier frontier) {
        InMemoryMerkleNodes store = new InMemoryMerkleNodes();
        for (byte[] h : leafHashes) store.put(frontier.append(h));
        return store;
    }
}
