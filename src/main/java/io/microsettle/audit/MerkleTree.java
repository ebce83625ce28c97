package io.microsettle.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 9162 (§2.1.1) Merkle tree over the audit events, plain Java: leaf i is the event with seq
 * i+1, its data the event's canonical encoding ({@link AuditChain#canonical}) in UTF-8. Hashes are
 * SHA-256 with the 0x00 (leaf) / 0x01 (node) prefixes; the empty tree's hash is SHA-256 of nothing.
 */
public final class MerkleTree {
    public static final int HASH_BYTES = 32;
    /** Sizes are capped so that every leaf range and level fits a long with room to spare. */
    public static final int MAX_LEVEL = 48;
    public static final long MAX_SIZE = 1L << MAX_LEVEL;
    private static final byte[] EMPTY_ROOT = sha256().digest();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(MerkleTree::sha256);

    private MerkleTree() {}

    /** MTH({}) = SHA-256(). */
    public static byte[] emptyRoot() {
        return EMPTY_ROOT.clone();
    }

    /** MTH({d}) = SHA-256(0x00 || d). */
    public static byte[] leafHash(byte[] data) {
        MessageDigest md = SHA256.get();
        md.update((byte) 0x00);
        return md.digest(data);
    }

    /** SHA-256(0x01 || left || right). */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        if (left.length != HASH_BYTES || right.length != HASH_BYTES) throw new IllegalArgumentException("hashes are 32 bytes");
        MessageDigest md = SHA256.get();
        md.update((byte) 0x01);
        md.update(left);
        return md.digest(right);
    }

    /** The leaf index of the audit event with this seq (seq starts at 1). */
    public static long leafIndex(long seq) {
        if (seq < 1 || seq > MAX_SIZE) throw new IllegalArgumentException("seq out of range: " + seq);
        return seq - 1;
    }

    /** The leaf hash of an audit event: its canonical encoding, UTF-8, as the leaf data. */
    public static byte[] auditLeafHash(AuditChain.Link l) {
        return leafHash(AuditChain.canonical(l.seq(), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(),
                l.prevHash()).getBytes(StandardCharsets.UTF_8));
    }

    /** The root of the tree of the first {@code size} leaves, from O(log size) stored nodes. */
    public static byte[] root(MerkleNodes nodes, long size) {
        checkSize(size);
        if (size == 0) return emptyRoot();
        List<MerkleNodeId> ids = cover(0, size);
        return foldRight(checked(nodes.read(ids), ids.size()));
    }

    /**
     * The complete subtrees, left to right and each smaller than the one before, whose hashes fold (see
     * {@link #foldRight}) into MTH(D[start:end]): one id when the range is a complete subtree. Defined for
     * the ranges proofs and roots need, those whose start is a multiple of the power of two at or above
     * end - start (for [0, n) the result is the tree's right edge, the "frontier").
     */
    public static List<MerkleNodeId> cover(long start, long end) {
        if (start < 0 || end <= start || end > MAX_SIZE) throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
        long length = end - start;
        long span = Long.bitCount(length) == 1 ? length : Long.highestOneBit(length) << 1;  // power of two >= length
        if ((start & (span - 1)) != 0) throw new IllegalArgumentException("[" + start + ", " + end + ") is not a tree node");
        List<MerkleNodeId> ids = new ArrayList<>(Long.bitCount(end - start));
        for (long at = start; at < end; ) {
            int level = 63 - Long.numberOfLeadingZeros(end - at);
            ids.add(new MerkleNodeId(level, at >> level));
            at += 1L << level;
        }
        return ids;
    }

    /** The hash of a node from its cover's hashes: H(c0, H(c1, ... H(c[k-1], c[k]))), as RFC 9162 splits it. */
    static byte[] foldRight(List<byte[]> coverHashes) {
        byte[] h = coverHashes.getLast();
        for (int i = coverHashes.size() - 2; i >= 0; i--) h = nodeHash(coverHashes.get(i), h);
        return h;
    }

    /** The largest power of two smaller than n (n > 1): RFC 9162's k. */
    static long splitPoint(long n) {
        return Long.highestOneBit(n - 1);
    }

    static void checkSize(long size) {
        if (size < 0 || size > MAX_SIZE) throw new IllegalArgumentException("tree size out of range: " + size);
    }

    /** A store's answer, checked: as many hashes as asked, each 32 bytes. */
    static List<byte[]> checked(List<byte[]> hashes, int expected) {
        if (hashes.size() != expected) throw new IllegalStateException("store returned " + hashes.size() + " of " + expected + " nodes");
        for (byte[] h : hashes) {
            if (h == null || h.length != HASH_BYTES) throw new IllegalStateException("store returned a malformed hash");
        }
        return hashes;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
