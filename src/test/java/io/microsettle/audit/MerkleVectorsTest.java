package io.microsettle.audit;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The public RFC 6962 / RFC 9162 test vectors of the transparency-dev Merkle library (github.com/
 * transparency-dev/merkle, Apache-2.0; the data descends from Google's certificate-transparency test
 * suite): the 8 classic leaves, every complete subtree's hash, the root and the compact range of every
 * size, inclusion and consistency proofs, the hasher's known answers, and which stored nodes a proof is
 * made of. The data is copied from testonly/constants.go, proof/verify_test.go, proof/proof_test.go and
 * rfc6962/rfc6962_test.go; the checks are ours.
 */
class MerkleVectorsTest {
    static final String[] LEAVES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f"};
    /** NodeHashes(): [level][index] for all complete subtrees of the 8-leaf tree. */
    static final String[][] NODES = {{
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"}, {
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"}, {
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}, {
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}};
    /** RootHashes(): MTH of the first n leaves, n = 0..8. */
    static final String[] ROOTS = {
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    /** CompactTrees(): the right edge of each size as {level, index} of NODES, largest first. */
    static final int[][][] COMPACT = {{}, {{0, 0}}, {{1, 0}}, {{1, 0}, {0, 2}}, {{2, 0}}, {{2, 0}, {0, 4}},
            {{2, 0}, {1, 2}}, {{2, 0}, {1, 2}, {0, 6}}, {{3, 0}}};

    /** inclusionProofs: {leaf (1-based), size, proof...}. */
    static final String[][] INCLUSION = {
            {"1", "1"},
            {"1", "8", "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
            {"6", "8", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
            {"3", "3", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"},
            {"2", "5", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}};
    /** consistencyProofs: {size1, size2, proof...}. */
    static final String[][] CONSISTENCY = {
            {"1", "1"},
            {"1", "8", "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
            {"6", "8", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
            {"2", "5", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"},
            {"6", "7", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}};
    static final byte[] SOME_HASH = hex("abacaba000000000000000000000000000000000000000000060061e00123456");

    /**
     * proof_test.go's node lists: {size, index or size1, then level,index pairs}, nearest the leaf first
     * and, within a proof element made of several nodes, the smallest node first (their "rehash" runs).
     */
    static final long[][] INCLUSION_NODES = {
            {1, 0}, {2, 0, 0, 1}, {2, 1, 0, 0}, {3, 1, 0, 0, 0, 2},
            {7, 0, 0, 1, 1, 1, 0, 6, 1, 2}, {7, 1, 0, 0, 1, 1, 0, 6, 1, 2}, {7, 2, 0, 3, 1, 0, 0, 6, 1, 2},
            {7, 3, 0, 2, 1, 0, 0, 6, 1, 2}, {7, 4, 0, 5, 0, 6, 2, 0}, {7, 5, 0, 4, 0, 6, 2, 0}, {7, 6, 1, 2, 2, 0},
            {4, 2, 0, 3, 1, 0}, {5, 3, 0, 2, 1, 0, 0, 4}, {6, 3, 0, 2, 1, 0, 1, 2}, {6, 4, 0, 5, 2, 0},
            {15, 10, 0, 11, 1, 4, 0, 14, 1, 6, 3, 0}, {31, 24, 0, 25, 1, 13, 0, 30, 1, 14, 3, 2, 4, 0},
            {95, 81, 0, 80, 1, 41, 2, 21, 0, 94, 1, 46, 2, 22, 4, 4, 6, 0}};
    static final long[][] CONSISTENCY_NODES = {
            {1, 2, 0, 1}, {1, 4, 0, 1, 1, 1}, {1, 6, 0, 1, 1, 1, 1, 2}, {2, 3, 0, 2}, {2, 8, 1, 1, 2, 1},
            {3, 7, 0, 2, 0, 3, 1, 0, 0, 6, 1, 2}, {4, 7, 0, 6, 1, 2}, {5, 7, 0, 4, 0, 5, 0, 6, 2, 0},
            {6, 7, 1, 2, 0, 6, 2, 0}, {7, 8, 0, 6, 0, 7, 1, 2, 2, 0}, {1, 1}, {5, 5}, {8, 8},
            {2, 4, 1, 1}, {3, 5, 0, 2, 0, 3, 1, 0, 0, 4}, {3, 6, 0, 2, 0, 3, 1, 0, 1, 2}, {4, 6, 1, 2},
            {1, 7, 0, 1, 1, 1, 0, 6, 1, 2}, {10, 15, 1, 4, 1, 5, 0, 14, 1, 6, 3, 0},
            {24, 31, 3, 2, 0, 30, 1, 14, 2, 6, 4, 0},
            {81, 95, 0, 80, 0, 81, 1, 41, 2, 21, 0, 94, 1, 46, 2, 22, 4, 4, 6, 0}};

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static List<byte[]> leafHashes(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(MerkleTree.leafHash(hex(LEAVES[i])));
        return out;
    }

    static List<byte[]> proofOf(String[] row) {
        List<byte[]> p = new ArrayList<>();
        for (int i = 2; i < row.length; i++) p.add(hex(row[i]));
        return p;
    }

    static List<String> hexes(List<byte[]> l) {
        return l.stream().map(MerkleVectorsTest::hex).toList();
    }

    @Test
    void hasherKnownAnswers() {
        assertThat(hex(MerkleTree.emptyRoot())).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(hex(MerkleTree.leafHash(new byte[0]))).isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        assertThat(hex(MerkleTree.leafHash("L123456".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
        // their node vector hashes two 4-byte strings; our nodeHash takes 32-byte hashes only, so the
        // same preimage (0x01 || "N123" || "N456") goes through the reference's SHA-256
        assertThat(hex(Rfc9162Reference.sha256(hex("014e3132334e343536"))))
                .isEqualTo("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
        assertThatThrownBy(() -> MerkleTree.nodeHash("N123".getBytes(StandardCharsets.US_ASCII), new byte[32]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everySizeHasTheVectorRootAndCompactRangeAndAppendsStoreEveryCompleteNode() {
        MerkleFrontier f = MerkleFrontier.empty();
        InMemoryMerkleNodes store = new InMemoryMerkleNodes();
        for (int n = 0; n <= 8; n++) {
            assertThat(hex(f.root())).as("root of %d", n).isEqualTo(ROOTS[n]);
            assertThat(hex(MerkleTree.root(store, n))).as("stored root of %d", n).isEqualTo(ROOTS[n]);
            List<String> edge = new ArrayList<>();
            for (int[] c : COMPACT[n]) edge.add(NODES[c[0]][c[1]]);
            assertThat(f.state()).isEqualTo(new MerkleFrontier.State(n, edge));
            assertThat(hex(Rfc9162Reference.mth(leafData(n)))).isEqualTo(ROOTS[n]);
            if (n < 8) store.put(f.append(MerkleTree.leafHash(hex(LEAVES[n]))));
        }
        for (int level = 0; level < NODES.length; level++) {
            for (int i = 0; i < NODES[level].length; i++) {
                assertThat(hex(store.read(List.of(new MerkleNodeId(level, i))).getFirst())).isEqualTo(NODES[level][i]);
            }
        }
    }

    static List<byte[]> leafData(int n) {
        List<byte[]> d = new ArrayList<>();
        for (int i = 0; i < n; i++) d.add(hex(LEAVES[i]));
        return d;
    }

    @Test
    void inclusionVectorsAreGeneratedAndVerifiedAndTheirCorruptionsRefused() {
        InMemoryMerkleNodes store = InMemoryMerkleNodes.of(leafHashes(8), MerkleFrontier.empty());
        for (String[] row : INCLUSION) {
            long index = Long.parseLong(row[0]) - 1;
            long size = Long.parseLong(row[1]);
            List<byte[]> proof = proofOf(row);
            byte[] root = hex(ROOTS[(int) size]);
            byte[] leaf = MerkleTree.leafHash(hex(LEAVES[(int) index]));
            assertThat(hexes(MerkleProofs.inclusion(store, index, size))).as("PATH(%d, D[%d])", index, size).isEqualTo(hexes(proof));
            assertThat(hexes(Rfc9162Reference.path((int) index, leafData((int) size)))).isEqualTo(hexes(proof));
            assertThat(MerkleProofs.verifyInclusion(leaf, index, size, proof, root)).isTrue();
            for (Probe p : inclusionProbes(index, size, proof, root, leaf)) {
                assertThat(MerkleProofs.verifyInclusion(p.leaf, p.a, p.b, p.proof, p.root)).as("%s of PATH(%d, D[%d])", p.desc, index, size).isFalse();
            }
        }
    }

    @Test
    void consistencyVectorsAreGeneratedAndVerifiedAndTheirCorruptionsRefused() {
        InMemoryMerkleNodes store = InMemoryMerkleNodes.of(leafHashes(8), MerkleFrontier.empty());
        for (String[] row : CONSISTENCY) {
            long m = Long.parseLong(row[0]);
            long n = Long.parseLong(row[1]);
            List<byte[]> proof = proofOf(row);
            byte[] r1 = hex(ROOTS[(int) m]);
            byte[] r2 = hex(ROOTS[(int) n]);
            assertThat(hexes(MerkleProofs.consistency(store, m, n))).as("PROOF(%d, D[%d])", m, n).isEqualTo(hexes(proof));
            assertThat(hexes(Rfc9162Reference.proof((int) m, leafData((int) n)))).isEqualTo(hexes(proof));
            assertThat(MerkleProofs.verifyConsistency(m, n, r1, r2, proof)).isTrue();
            if (proof.isEmpty()) continue;
            for (Probe p : consistencyProbes(m, n, r1, r2, proof)) {
                assertThat(MerkleProofs.verifyConsistency(p.a, p.b, p.leaf, p.root, p.proof)).as("%s of PROOF(%d, D[%d])", p.desc, m, n).isFalse();
            }
        }
    }

    /** One tampered input; for consistency {@code leaf} is the first root. */
    record Probe(String desc, long a, long b, byte[] leaf, byte[] root, List<byte[]> proof) {}

    /** verify_test.go's corruptInclusionProof. */
    static List<Probe> inclusionProbes(long index, long size, List<byte[]> proof, byte[] root, byte[] leaf) {
        List<Probe> out = new ArrayList<>(List.of(
                new Probe("leafIndex - 1", index - 1, size, leaf, root, proof),
                new Probe("leafIndex + 1", index + 1, size, leaf, root, proof),
                new Probe("leafIndex ^ 2", index ^ 2, size, leaf, root, proof),
                new Probe("treeSize * 2", index, size * 2, leaf, root, proof),
                new Probe("treeSize / 2", index, size / 2, leaf, root, proof),
                new Probe("wrong leaf", index, size, "WrongLeaf".getBytes(StandardCharsets.US_ASCII), root, proof),
                new Probe("empty root", index, size, leaf, MerkleTree.emptyRoot(), proof),
                new Probe("random root", index, size, leaf, SOME_HASH, proof),
                new Probe("trailing garbage", index, size, leaf, root, with(proof, proof.size(), new byte[0])),
                new Probe("trailing root", index, size, leaf, root, with(proof, proof.size(), root)),
                new Probe("preceding garbage", index, size, leaf, root, with(proof, 0, new byte[0])),
                new Probe("preceding root", index, size, leaf, root, with(proof, 0, root))));
        for (int i = 0; i < proof.size(); i++) out.add(new Probe("modified proof[" + i + "] bit 3", index, size, leaf, root, flipped(proof, i, 0, 8)));
        if (!proof.isEmpty()) out.add(new Probe("removed component", index, size, leaf, root, proof.subList(0, proof.size() - 1)));
        if (proof.size() > 1) out.add(new Probe("inserted component", index, size, leaf, root, with(proof, 1, SOME_HASH)));
        return out;
    }

    /** verify_test.go's corruptConsistencyProof. */
    static List<Probe> consistencyProbes(long m, long n, byte[] r1, byte[] r2, List<byte[]> proof) {
        byte[] wrong = "WrongRoot".getBytes(StandardCharsets.US_ASCII);
        List<Probe> out = new ArrayList<>(List.of(
                new Probe("size1 - 1", m - 1, n, r1, r2, proof), new Probe("size1 + 1", m + 1, n, r1, r2, proof),
                new Probe("size1 ^ 2", m ^ 2, n, r1, r2, proof), new Probe("size2 * 2", m, n * 2, r1, r2, proof),
                new Probe("size2 / 2", m, n / 2, r1, r2, proof), new Probe("wrong root1", m, n, wrong, r2, proof),
                new Probe("wrong root2", m, n, r1, wrong, proof), new Probe("swapped roots", m, n, r2, r1, proof),
                new Probe("empty proof", m, n, r1, r2, List.of()),
                new Probe("trailing garbage", m, n, r1, r2, with(proof, proof.size(), new byte[0])),
                new Probe("trailing root1", m, n, r1, r2, with(proof, proof.size(), r1)),
                new Probe("trailing root2", m, n, r1, r2, with(proof, proof.size(), r2)),
                new Probe("preceding garbage", m, n, r1, r2, with(proof, 0, new byte[0])),
                new Probe("preceding root1", m, n, r1, r2, with(proof, 0, r1)),
                new Probe("preceding root2", m, n, r1, r2, with(proof, 0, r2)),
                new Probe("preceding proof[0]", m, n, r1, r2, with(proof, 0, proof.getFirst())),
                new Probe("truncated proof", m, n, r1, r2, proof.subList(0, proof.size() - 1))));
        for (int i = 0; i < proof.size(); i++) out.add(new Probe("modified proof[" + i + "] bit 4", m, n, r1, r2, flipped(proof, i, 0, 16)));
        return out;
    }

    static List<byte[]> with(List<byte[]> proof, int at, byte[] extra) {
        List<byte[]> p = new ArrayList<>(proof);
        p.add(at, extra);
        return p;
    }

    static List<byte[]> flipped(List<byte[]> proof, int element, int byteAt, int mask) {
        List<byte[]> p = new ArrayList<>(proof);
        byte[] e = p.get(element).clone();
        e[byteAt] ^= (byte) mask;
        p.set(element, e);
        return p;
    }

    @Test
    void edgeCasesOfVerificationFromTheVectorTables() {
        byte[] leaf = MerkleTree.leafHash("data".getBytes(StandardCharsets.US_ASCII));
        assertThat(MerkleProofs.verifyInclusion(leaf, 0, 1, List.of(), leaf)).isTrue();
        assertThat(MerkleProofs.verifyInclusion(leaf, 0, 1, List.of(), new byte[0])).isFalse();
        assertThat(MerkleProofs.verifyInclusion(new byte[0], 0, 1, List.of(), leaf)).isFalse();
        long[][] badIndexSize = {{0, 0}, {1, 0}, {2, 1}};
        for (long[] p : badIndexSize) {
            assertThat(MerkleProofs.verifyInclusion(SOME_HASH, p[0], p[1], List.of(), MerkleTree.emptyRoot())).isFalse();
        }
        byte[] empty = MerkleTree.emptyRoot();
        byte[] r1 = SOME_HASH;
        byte[] r2 = hex(ROOTS[3]);
        assertThat(MerkleProofs.verifyConsistency(0, 0, empty, empty, List.of())).isTrue();
        assertThat(MerkleProofs.verifyConsistency(1, 1, r2, r2, List.of())).isTrue();
        assertThat(MerkleProofs.verifyConsistency(0, 1, empty, r2, List.of())).isTrue();
        assertThat(MerkleProofs.verifyConsistency(1, 1, r1, r2, List.of())).as("roots differ").isFalse();
        assertThat(MerkleProofs.verifyConsistency(1, 0, r1, r2, List.of())).as("time travel").isFalse();
        assertThat(MerkleProofs.verifyConsistency(2, 1, r1, r2, List.of())).as("time travel").isFalse();
        assertThat(MerkleProofs.verifyConsistency(1, 2, r1, r2, List.of())).as("empty proof").isFalse();
        assertThat(MerkleProofs.verifyConsistency(0, 0, empty, empty, List.of(empty))).as("proof not empty").isFalse();
        assertThat(MerkleProofs.verifyConsistency(0, 1, empty, empty, List.of(empty))).as("proof not empty").isFalse();
        assertThat(MerkleProofs.verifyConsistency(1, 1, empty, empty, List.of(empty))).as("proof not empty").isFalse();
        assertThat(MerkleProofs.verifyConsistency(0, 1, r1, r2, List.of())).as("a size-0 head's root is the empty hash").isFalse();
    }

    @Test
    void proofsAreMadeOfTheVectorNodes() {
        for (long[] row : INCLUSION_NODES) {
            assertThat(flatten(MerkleProofs.inclusionPlan(row[1], row[0]))).as("PATH(%d, D[%d])", row[1], row[0]).isEqualTo(ids(row));
        }
        for (long[] row : CONSISTENCY_NODES) {
            assertThat(flatten(MerkleProofs.consistencyPlan(row[0], row[1]))).as("PROOF(%d, D[%d])", row[0], row[1]).isEqualTo(ids(row));
        }
        assertThatThrownBy(() -> MerkleProofs.inclusionPlan(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleProofs.inclusionPlan(2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleProofs.inclusionPlan(8, 7)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleProofs.consistencyPlan(5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleProofs.consistencyPlan(9, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleProofs.consistencyPlan(0, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Our elements list their nodes largest first; the vectors list a multi-node element smallest first. */
    static List<MerkleNodeId> flatten(List<List<MerkleNodeId>> plan) {
        List<MerkleNodeId> out = new ArrayList<>();
        for (List<MerkleNodeId> element : plan) out.addAll(element.reversed());
        return out;
    }

    static List<MerkleNodeId> ids(long[] row) {
        List<MerkleNodeId> out = new ArrayList<>();
        for (int i = 2; i < row.length; i += 2) out.add(new MerkleNodeId((int) row[i], row[i + 1]));
        return out;
    }
}
