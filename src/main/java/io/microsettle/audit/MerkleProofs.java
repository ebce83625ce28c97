package io.microsettle.audit;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * RFC 9162 inclusion proofs (PATH, §2.1.3) and consistency proofs (PROOF/SUBPROOF, §2.1.4): generated
 * from stored complete subtrees with one batched read of O(log n) nodes, and verified with the RFC's
 * iterative algorithms. Proof elements are 32-byte hashes, in the RFC's order (nearest the leaf first).
 */
public final class MerkleProofs {
    /** No valid proof of a tree within {@link MerkleTree#MAX_SIZE} is longer than this. */
    public static final int MAX_PROOF_ELEMENTS = 2 * MerkleTree.MAX_LEVEL + 2;

    private MerkleProofs() {}

    /** PATH(index, D[size]): the inclusion proof of leaf {@code index} in the tree of the first {@code size} leaves. */
    public static List<byte[]> inclusion(MerkleNodes nodes, long index, long size) {
        return fetch(nodes, inclusionPlan(index, size));
    }

    /** PROOF(first, D[second]): the consistency proof between the trees of {@code first} and {@code second} leaves. */
    public static List<byte[]> consistency(MerkleNodes nodes, long first, long second) {
        return fetch(nodes, consistencyPlan(first, second));
    }

    /**
     * Each proof element as the complete subtrees (see {@link MerkleTree#cover}) whose hashes fold into
     * it. PATH recurses into the half holding the leaf and outputs the other half's MTH after the deeper
     * elements; iterating top-down and reversing gives the same order.
     */
    static List<List<MerkleNodeId>> inclusionPlan(long index, long size) {
        MerkleTree.checkSize(size);
        if (index < 0 || index >= size) throw new IllegalArgumentException("leaf " + index + " is not in a tree of size " + size);
        List<List<MerkleNodeId>> topDown = new ArrayList<>();
        long lo = 0;
        long hi = size;
        while (hi - lo > 1) {
            long k = MerkleTree.splitPoint(hi - lo);
            if (index < lo + k) {
                topDown.add(MerkleTree.cover(lo + k, hi));
                hi = lo + k;
            } else {
                topDown.add(MerkleTree.cover(lo, lo + k));
                lo += k;
            }
        }
        Collections.reverse(topDown);
        return topDown;
    }

    /** SUBPROOF(m, D[lo:hi], b) iterated top-down (m an absolute leaf count), reversed as above. */
    static List<List<MerkleNodeId>> consistencyPlan(long first, long second) {
        MerkleTree.checkSize(second);
        if (first < 1 || first > second) throw new IllegalArgumentException("no consistency proof from size " + first + " to " + second);
        List<List<MerkleNodeId>> topDown = new ArrayList<>();
        long lo = 0;
        long hi = second;
        boolean whole = true;  // RFC 9162's b: the subtree is still the old tree itself
        while (first != hi) {
            long k = MerkleTree.splitPoint(hi - lo);
            if (first - lo <= k) {
                topDown.add(MerkleTree.cover(lo + k, hi));
                hi = lo + k;
            } else {
                topDown.add(MerkleTree.cover(lo, lo + k));
                lo += k;
                whole = false;
            }
        }
        if (!whole) topDown.add(MerkleTree.cover(lo, hi));
        Collections.reverse(topDown);
        return topDown;
    }

    private static List<byte[]> fetch(MerkleNodes nodes, List<List<MerkleNodeId>> plan) {
        List<MerkleNodeId> all = new ArrayList<>();
        for (List<MerkleNodeId> element : plan) all.addAll(element);
        List<byte[]> hashes = MerkleTree.checked(nodes.read(all), all.size());
        List<byte[]> proof = new ArrayList<>(plan.size());
        int at = 0;
        for (List<MerkleNodeId> element : plan) {
            proof.add(MerkleTree.foldRight(hashes.subList(at, at + element.size())).clone());
            at += element.size();
        }
        return proof;
    }

    /** RFC 9162 §2.1.3.2: does {@code proof} place {@code leafHash} at {@code index} in the tree of {@code size} with {@code root}? */
    public static boolean verifyInclusion(byte[] leafHash, long index, long size, List<byte[]> proof, byte[] root) {
        if (index < 0 || index >= size || size > MerkleTree.MAX_SIZE || !wellFormed(proof, leafHash, root)) return false;
        Walk w = new Walk(index, size - 1);
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (w.sn == 0) return false;
            if (w.siblingOnTheLeft()) {
                r = MerkleTree.nodeHash(p, r);
                w.skipLevelsWithoutSibling();
            } else {
                r = MerkleTree.nodeHash(r, p);
            }
            w.up();
        }
        return w.sn == 0 && MessageDigest.isEqual(r, root);
    }

    /**
     * RFC 9162 §2.1.4.2: is the tree of {@code first} leaves with {@code firstRoot} a prefix of the tree
     * of {@code second} leaves with {@code secondRoot}? The RFC's algorithm covers 0 < first < second;
     * equal sizes need an empty proof and equal roots, and the empty tree (its root SHA-256 of nothing)
     * is a prefix of every tree, with an empty proof.
     */
    public static boolean verifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> proof) {
        if (first < 0 || first > second || second > MerkleTree.MAX_SIZE || !wellFormed(proof, firstRoot, secondRoot)) return false;
        if (first == second) return proof.isEmpty() && MessageDigest.isEqual(firstRoot, secondRoot);
        if (first == 0) return proof.isEmpty() && MessageDigest.isEqual(firstRoot, MerkleTree.emptyRoot());
        if (proof.isEmpty()) return false;
        List<byte[]> path = new ArrayList<>(proof.size() + 1);
        if (Long.bitCount(first) == 1) path.add(firstRoot);
        path.addAll(proof);
        Walk w = new Walk(first - 1, second - 1);
        while ((w.fn & 1) == 1) w.up();
        byte[] fr = path.getFirst();
        byte[] sr = path.getFirst();
        for (byte[] c : path.subList(1, path.size())) {
            if (w.sn == 0) return false;
            if (w.siblingOnTheLeft()) {
                fr = MerkleTree.nodeHash(c, fr);
                sr = MerkleTree.nodeHash(c, sr);
                w.skipLevelsWithoutSibling();
            } else {
                sr = MerkleTree.nodeHash(sr, c);
            }
            w.up();
        }
        return w.sn == 0 && MessageDigest.isEqual(fr, firstRoot) && MessageDigest.isEqual(sr, secondRoot);
    }

    /** RFC 9162's fn (the node's index) and sn (the last node's index), walked up level by level together. */
    private static final class Walk {
        long fn;
        long sn;

        Walk(long fn, long sn) {
            this.fn = fn;
            this.sn = sn;
        }

        /** The proof element at this step is the left sibling: fn is a right child, or the last node with no right sibling. */
        boolean siblingOnTheLeft() {
            return (fn & 1) == 1 || fn == sn;
        }

        /** After a left sibling: "right-shift fn and sn equally until either LSB(fn) is set or fn is 0". */
        void skipLevelsWithoutSibling() {
            while ((fn & 1) == 0 && fn != 0) up();
        }

        void up() {
            fn >>= 1;
            sn >>= 1;
        }
    }

    private static boolean wellFormed(List<byte[]> proof, byte[] a, byte[] b) {
        if (proof == null || proof.size() > MAX_PROOF_ELEMENTS || a == null || b == null
                || a.length != MerkleTree.HASH_BYTES || b.length != MerkleTree.HASH_BYTES) {
            return false;
        }
        for (byte[] p : proof) {
            if (p == null || p.length != MerkleTree.HASH_BYTES) return false;
        }
        return true;
    }
}
