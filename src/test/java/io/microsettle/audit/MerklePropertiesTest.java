package io.microsettle.audit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.microsettle.audit.MerkleVectorsTest.hexes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Properties of the stored-node tree against RFC 9162's recursive definitions ({@link Rfc9162Reference})
 * on random data: roots at every size, every node an append hands over, inclusion and consistency proofs
 * that verify and that stop verifying when any bit changes, resumable appender state, and O(log n) reads.
 * The random seed is in every failure message.
 */
class MerklePropertiesTest {
    static final long SEED = System.nanoTime();
    static final int BIG = 3000;
    static List<byte[]> data;
    static List<byte[]> leafHashes;
    static List<byte[]> roots;
    static InMemoryMerkleNodes store;

    @BeforeAll
    static void buildOnce() {
        Random rnd = new Random(SEED);
        data = new ArrayList<>();
        leafHashes = new ArrayList<>();
        roots = new ArrayList<>();
        store = new InMemoryMerkleNodes();
        MerkleFrontier f = MerkleFrontier.empty();
        roots.add(f.root());
        for (int i = 0; i < BIG; i++) {
            byte[] d = new byte[rnd.nextInt(80)];
            rnd.nextBytes(d);
            data.add(d);
            leafHashes.add(MerkleTree.leafHash(d));
            store.put(f.append(leafHashes.getLast()));
            roots.add(f.root());
        }
    }

    @Test
    void theAppendersRootIsTheRecursiveMthAtEverySize() {
        for (int n = 0; n <= 1100; n++) {
            byte[] mth = Rfc9162Reference.mth(data.subList(0, n));
            assertThat(roots.get(n)).as("size %d, seed %d", n, SEED).isEqualTo(mth);
            assertThat(MerkleTree.root(store, n)).as("stored root, size %d", n).isEqualTo(mth);
        }
        for (int n = 1100; n <= BIG; n += 97) {
            assertThat(roots.get(n)).as("size %d, seed %d", n, SEED).isEqualTo(Rfc9162Reference.mth(data.subList(0, n)));
        }
    }

    @Test
    void anAppendHandsOverExactlyTheSubtreesItCompletes() {
        MerkleFrontier f = MerkleFrontier.empty();
        for (int i = 0; i < 600; i++) {
            List<MerkleNode> done = f.append(leafHashes.get(i));
            Set<MerkleNodeId> expected = new HashSet<>();
            for (int level = 0; (i + 1) % (1 << level) == 0; level++) expected.add(new MerkleNodeId(level, (i + 1L) / (1L << level) - 1));
            assertThat(done).extracting(MerkleNode::id).containsExactlyInAnyOrderElementsOf(expected);
            for (MerkleNode n : done) {
                List<byte[]> covered = data.subList((int) n.id().firstLeaf(), (int) n.id().endLeaf());
                assertThat(n.hash()).as("%s", n.id()).isEqualTo(Rfc9162Reference.mth(covered));
            }
        }
    }

    @Test
    void inclusionProofsEqualPathAndVerifyForEveryLeafOfSmallTrees() {
        for (int n = 1; n <= 100; n++) {
            for (int m = 0; m < n; m++) {
                List<byte[]> proof = MerkleProofs.inclusion(store, m, n);
                assertThat(hexes(proof)).as("PATH(%d, D[%d])", m, n).isEqualTo(hexes(Rfc9162Reference.path(m, data.subList(0, n))));
                assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), m, n, proof, roots.get(n))).isTrue();
                everyBitFlipFailsInclusion(m, n, proof);
            }
        }
    }

    @Test
    void inclusionProofsVerifyForEveryLeafOfRandomBigTreesAndAnyFlippedBitOrOtherLeafFails() {
        Random rnd = new Random(SEED + 1);
        int[] sizes = {1023, 1024, 1025, BIG, 1 + rnd.nextInt(BIG), 1 + rnd.nextInt(BIG)};
        for (int n : sizes) {
            for (int m = 0; m < n; m++) {
                List<byte[]> proof = MerkleProofs.inclusion(store, m, n);
                String at = "leaf " + m + " of " + n + ", seed " + SEED;
                assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), m, n, proof, roots.get(n))).as(at).isTrue();
                int other = rnd.nextInt(n);
                if (other != m) assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), other, n, proof, roots.get(n))).as(at).isFalse();
                byte[] leaf = flip(leafHashes.get(m), rnd.nextInt(256));
                assertThat(MerkleProofs.verifyInclusion(leaf, m, n, proof, roots.get(n))).as(at).isFalse();
                assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), m, n, proof, flip(roots.get(n), rnd.nextInt(256)))).as(at).isFalse();
                if (!proof.isEmpty()) {
                    List<byte[]> bad = new ArrayList<>(proof);
                    int e = rnd.nextInt(bad.size());
                    bad.set(e, flip(bad.get(e), rnd.nextInt(256)));
                    assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), m, n, bad, roots.get(n))).as(at).isFalse();
                }
            }
        }
    }

    private void everyBitFlipFailsInclusion(int m, int n, List<byte[]> proof) {
        for (int bit = 0; bit < 256; bit += 11) {
            assertThat(MerkleProofs.verifyInclusion(flip(leafHashes.get(m), bit), m, n, proof, roots.get(n))).isFalse();
            assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), m, n, proof, flip(roots.get(n), bit))).isFalse();
            for (int e = 0; e < proof.size(); e++) {
                List<byte[]> bad = new ArrayList<>(proof);
                bad.set(e, flip(bad.get(e), bit));
                assertThat(MerkleProofs.verifyInclusion(leafHashes.get(m), m, n, bad, roots.get(n))).as("PATH(%d, D[%d]) bit %d of %d", m, n, bit, e).isFalse();
            }
        }
    }

    @Test
    void consistencyProofsEqualProofAndVerifyForEveryPairOfSmallSizes() {
        for (int n = 1; n <= 70; n++) {
            for (int m = 1; m <= n; m++) {
                List<byte[]> proof = MerkleProofs.consistency(store, m, n);
                assertThat(hexes(proof)).as("PROOF(%d, D[%d])", m, n).isEqualTo(hexes(Rfc9162Reference.proof(m, data.subList(0, n))));
                assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), proof)).isTrue();
                if (m == n) continue;
                for (int bit = 0; bit < 256; bit += 13) {
                    assertThat(MerkleProofs.verifyConsistency(m, n, flip(roots.get(m), bit), roots.get(n), proof)).isFalse();
                    assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), flip(roots.get(n), bit), proof)).isFalse();
                    for (int e = 0; e < proof.size(); e++) {
                        List<byte[]> bad = new ArrayList<>(proof);
                        bad.set(e, flip(bad.get(e), bit));
                        assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), bad)).as("PROOF(%d, D[%d]) bit %d of %d", m, n, bit, e).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void consistencyProofsBetweenRandomSizesVerifyAndAnyFlippedBitFails() {
        Random rnd = new Random(SEED + 2);
        for (int t = 0; t < 4000; t++) {
            int n = 1 + rnd.nextInt(BIG);
            int m = 1 + rnd.nextInt(n);
            String at = "PROOF(" + m + ", D[" + n + "]), seed " + SEED;
            List<byte[]> proof = MerkleProofs.consistency(store, m, n);
            assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), proof)).as(at).isTrue();
            if (m == n) {
                assertThat(proof).isEmpty();
                continue;
            }
            assertThat(MerkleProofs.verifyConsistency(m, n, flip(roots.get(m), rnd.nextInt(256)), roots.get(n), proof)).as(at).isFalse();
            assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), flip(roots.get(n), rnd.nextInt(256)), proof)).as(at).isFalse();
            List<byte[]> bad = new ArrayList<>(proof);
            int e = rnd.nextInt(bad.size());
            bad.set(e, flip(bad.get(e), rnd.nextInt(256)));
            assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), bad)).as(at).isFalse();
            assertThat(MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), proof.subList(0, proof.size() - 1))).as(at).isFalse();
        }
    }

    @Test
    void theAppenderResumesFromItsSavedStateOrFromTheStore() {
        Random rnd = new Random(SEED + 3);
        for (int t = 0; t < 50; t++) {
            int cut = rnd.nextInt(BIG - 100);
            MerkleFrontier f = MerkleFrontier.empty();
            for (int i = 0; i < cut; i++) f.append(leafHashes.get(i));
            MerkleFrontier.State saved = f.state();
            MerkleFrontier resumed = MerkleFrontier.resume(new MerkleFrontier.State(saved.size(), List.copyOf(saved.hashesHex())));
            MerkleFrontier loaded = MerkleFrontier.load(store, cut);
            assertThat(loaded.state()).isEqualTo(saved);
            for (int i = cut; i < cut + 100; i++) {
                List<MerkleNode> a = resumed.append(leafHashes.get(i));
                List<MerkleNode> b = loaded.append(leafHashes.get(i));
                assertThat(a).extracting(MerkleNode::hashHex).isEqualTo(b.stream().map(MerkleNode::hashHex).toList());
                assertThat(resumed.root()).as("seed %d", SEED).isEqualTo(roots.get(i + 1));
            }
            assertThat(resumed.size()).isEqualTo(cut + 100);
        }
    }

    @Test
    void badStatesAndInputsAreRefused() {
        String h = "ab".repeat(32);
        assertThatThrownBy(() -> new MerkleFrontier.State(3, List.of(h))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleFrontier.State(2, List.of(h, h))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleFrontier.State(1, List.of(h.toUpperCase()))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleFrontier.State(1, List.of(h + "00"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleFrontier.State(-1, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleFrontier.State(MerkleTree.MAX_SIZE + 1, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleFrontier.empty().append(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleFrontier.resume(new MerkleFrontier.State(MerkleTree.MAX_SIZE, List.of(h))).append(new byte[32]))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> MerkleProofs.inclusion(store, 0, BIG + 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> MerkleTree.cover(2, 5)).as("not a tree node").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleTree.cover(3, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThat(MerkleTree.cover(4, 7)).containsExactly(new MerkleNodeId(1, 2), new MerkleNodeId(0, 6));
        List<byte[]> tooLong = new ArrayList<>();
        for (int i = 0; i <= MerkleProofs.MAX_PROOF_ELEMENTS; i++) tooLong.add(new byte[32]);
        assertThat(MerkleProofs.verifyInclusion(new byte[32], 0, MerkleTree.MAX_SIZE, tooLong, new byte[32])).isFalse();
    }

    @Test
    void aProofAtAnySizeReadsOLogNNodesInOneBatch() {
        for (long n : new long[]{1_000_000, 1_048_576, 1_048_577, (1L << 40) + 12345, MerkleTree.MAX_SIZE - 1, MerkleTree.MAX_SIZE}) {
            Random rnd = new Random(SEED + n);
            int bound = 2 * (64 - Long.numberOfLeadingZeros(n)) + 1;
            for (int t = 0; t < 200; t++) {
                long index = Math.floorMod(rnd.nextLong(), n);
                long first = 1 + Math.floorMod(rnd.nextLong(), n);
                CountingNodes counting = new CountingNodes();
                assertThat(MerkleProofs.inclusion(counting, index, n)).hasSizeLessThanOrEqualTo(64 - Long.numberOfLeadingZeros(n));
                MerkleProofs.consistency(counting, first, n);
                MerkleTree.root(counting, n);
                assertThat(counting.calls).isEqualTo(3);
                assertThat(counting.maxPerCall).as("nodes read for leaf %d / first %d of %d", index, first, n).isLessThanOrEqualTo(bound);
            }
        }
    }

    /** A store of made-up hashes that counts what is read (the hashes do not matter for counting). */
    static final class CountingNodes implements MerkleNodes {
        int calls;
        int maxPerCall;

        @Override
        public List<byte[]> read(List<MerkleNodeId> ids) {
            calls++;
            maxPerCall = Math.max(maxPerCall, ids.size());
            List<byte[]> out = new ArrayList<>();
            for (MerkleNodeId id : ids) {
                out.add(Rfc9162Reference.sha256(ByteBuffer.allocate(12).putInt(id.level()).putLong(id.index()).array()));
            }
            return out;
        }
    }

    @Test
    void auditEventsAreLeavesByTheirCanonicalEncoding() {
        List<AuditChain.Link> chain = AuditChainTest.chain(40);
        MerkleFrontier f = MerkleFrontier.empty();
        InMemoryMerkleNodes events = new InMemoryMerkleNodes();
        for (AuditChain.Link l : chain) {
            assertThat(MerkleTree.leafIndex(l.seq())).isEqualTo(f.size());
            events.put(f.append(MerkleTree.auditLeafHash(l)));
        }
        AuditChain.Link l7 = chain.get(6);
        byte[] canonical = AuditChain.canonical(l7.seq(), l7.at(), l7.actor(), l7.type(), l7.subject(), l7.payloadJson(),
                l7.prevHash()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] prefixed = new byte[canonical.length + 1];
        System.arraycopy(canonical, 0, prefixed, 1, canonical.length);
        assertThat(MerkleTree.auditLeafHash(l7)).isEqualTo(Rfc9162Reference.sha256(prefixed));
        assertThat(HexFormat.of().formatHex(Rfc9162Reference.sha256(canonical))).as("the chain hashes the same bytes").isEqualTo(l7.hash());
        for (AuditChain.Link l : chain) {
            long i = MerkleTree.leafIndex(l.seq());
            assertThat(MerkleProofs.verifyInclusion(MerkleTree.auditLeafHash(l), i, chain.size(),
                    MerkleProofs.inclusion(events, i, chain.size()), f.root())).isTrue();
        }
        assertThatThrownBy(() -> MerkleTree.leafIndex(0)).isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] flip(byte[] h, int bit) {
        byte[] c = h.clone();
        c[bit / 8] ^= (byte) (1 << (bit % 8));
        return c;
    }
}
