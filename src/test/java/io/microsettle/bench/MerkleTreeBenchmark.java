package io.microsettle.bench;

import io.microsettle.audit.AuditChain;
import io.microsettle.audit.InMemoryMerkleNodes;
import io.microsettle.audit.MerkleFrontier;
import io.microsettle.audit.MerkleNodeId;
import io.microsettle.audit.MerkleProofs;
import io.microsettle.audit.MerkleTree;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark (runs with -Pbench only): the RFC 9162 audit tree on one thread. Appends {@code leaves}
 * audit events through the appender (leaf hash of a canonical event encoding, append, store the nodes
 * it completes in memory), then generates and verifies inclusion and consistency proofs at that size.
 * Appends are counted per second of wall time and of the thread's CPU time, proofs in CPU µs of the
 * thread (robust to other load on the machine). Settings: -Dbench.merkleLeaves (1,000,000),
 * -Dbench.proofs (per round, 20,000), -Dbench.warmup (2), -Dbench.rounds (3).
 */
@Tag("bench")
class MerkleTreeBenchmark {
    static volatile Object sink;
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void appendAndProve() {
        int leaves = Bench.setting("merkleLeaves", 1_000_000);
        int proofs = Bench.setting("proofs", 20_000);
        int warmup = Bench.setting("warmup", 2);
        int rounds = Bench.setting("rounds", 3);
        byte[][] events = sampleEvents(1024);
        List<double[]> rows = new ArrayList<>();  // per round: appends/s (wall, CPU), then CPU µs per op for the four proof ops
        InMemoryMerkleNodes store = null;
        MerkleFrontier frontier = null;
        for (int r = 0; r < warmup + rounds; r++) {
            store = new InMemoryMerkleNodes();
            frontier = MerkleFrontier.empty();
            long t0 = System.nanoTime();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < leaves; i++) store.put(frontier.append(MerkleTree.leafHash(events[i & 1023])));
            double appendSeconds = (System.nanoTime() - t0) / 1e9;
            double[] row = new double[7];
            row[0] = leaves / appendSeconds;
            row[6] = leaves / ((THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
            proveRound(store, frontier, leaves, proofs, new Random(r), row);
            if (r >= warmup) rows.add(row);
        }
        print(leaves, proofs, warmup, rows, store, frontier);
    }

    /** Fills row[1..4] with thread-CPU µs per inclusion generate / verify and consistency generate / verify, row[5] nodes read per inclusion proof. */
    private static void proveRound(InMemoryMerkleNodes store, MerkleFrontier frontier, int size, int proofs, Random rnd, double[] row) {
        byte[] root = frontier.root();
        long[] index = new long[proofs];
        long[] first = new long[proofs];
        for (int i = 0; i < proofs; i++) {
            index[i] = rnd.nextInt(size);
            first[i] = 1 + rnd.nextInt(size);
        }
        long reads0 = store.nodesRead();
        List<List<byte[]>> incl = new ArrayList<>(proofs);
        long t = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < proofs; i++) incl.add(MerkleProofs.inclusion(store, index[i], size));
        row[1] = (THREADS.getCurrentThreadCpuTime() - t) / 1e3 / proofs;
        row[5] = (store.nodesRead() - reads0) / (double) proofs;
        byte[][] leafHashes = new byte[proofs][];
        for (int i = 0; i < proofs; i++) leafHashes[i] = store.read(List.of(new MerkleNodeId(0, index[i]))).getFirst();
        int ok = 0;
        t = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < proofs; i++) ok += MerkleProofs.verifyInclusion(leafHashes[i], index[i], size, incl.get(i), root) ? 1 : 0;
        row[2] = (THREADS.getCurrentThreadCpuTime() - t) / 1e3 / proofs;
        byte[][] firstRoots = new byte[proofs][];
        for (int i = 0; i < proofs; i++) firstRoots[i] = MerkleTree.root(store, first[i]);
        List<List<byte[]>> cons = new ArrayList<>(proofs);
        t = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < proofs; i++) cons.add(MerkleProofs.consistency(store, first[i], size));
        row[3] = (THREADS.getCurrentThreadCpuTime() - t) / 1e3 / proofs;
        t = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < proofs; i++) ok += MerkleProofs.verifyConsistency(first[i], size, firstRoots[i], root, cons.get(i)) ? 1 : 0;
        row[4] = (THREADS.getCurrentThreadCpuTime() - t) / 1e3 / proofs;
        assertThat(ok).as("every proof verifies").isEqualTo(2 * proofs);
        sink = cons;
    }

    /** Canonical encodings of realistic audit events (about 250 bytes each). */
    private static byte[][] sampleEvents(int n) {
        byte[][] out = new byte[n][];
        String prev = AuditChain.GENESIS_HASH;
        for (int i = 0; i < n; i++) {
            AuditChain.Link l = AuditChain.next(i, prev, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i), "integrator:acme",
                    "cashout.queued", "co_" + i, "{\"amount\":\"2500000\",\"cashoutId\":\"co_" + i + "\",\"wallet\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"}");
            out[i] = AuditChain.canonical(l.seq(), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(), l.prevHash())
                    .getBytes(StandardCharsets.UTF_8);
            prev = l.hash();
        }
        return out;
    }

    private static void print(int leaves, int proofs, int warmup, List<double[]> rows, InMemoryMerkleNodes store, MerkleFrontier f) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "%nRFC 9162 audit tree, one thread: %,d appends (leaf hash of a ~%d-byte event + append + store), then %,d proofs of each kind at size %,d; %d warm-up rounds%n",
                leaves, sampleEvents(1)[0].length, proofs, leaves, warmup));
        b.append(String.format(Locale.ROOT, "%-7s %13s %14s %14s %14s %14s %14s %11s%n", "round", "appends/CPU-s", "appends/s wall",
                "incl gen µs", "incl verify µs", "cons gen µs", "cons verify µs", "incl nodes"));
        for (int i = 0; i < rows.size(); i++) {
            double[] r = rows.get(i);
            b.append(String.format(Locale.ROOT, "%-7d %,13.0f %,14.0f %14.2f %14.2f %14.2f %14.2f %11.1f%n", i + 1, r[6], r[0], r[1], r[2], r[3], r[4], r[5]));
        }
        double[] med = new double[7];
        for (int c = 0; c < 7; c++) {
            final int col = c;
            double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
            med[c] = v[v.length / 2];
        }
        b.append(String.format(Locale.ROOT, "%-7s %,13.0f %,14.0f %14.2f %14.2f %14.2f %14.2f %11.1f%n", "median", med[6], med[0], med[1], med[2], med[3], med[4], med[5]));
        b.append("(proof columns: CPU µs of this thread per proof)\n");
        b.append(String.format(Locale.ROOT, "frontier at %,d: %d hashes; %d cores, Java %s, load average %.2f%n", f.size(),
                f.state().hashesHex().size(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        System.out.print(b);
        sink = Arrays.asList(store, f);
    }
}
