package io.microsettle.cashout;

import fr.acinq.secp256k1.Secp256k1;
import io.microsettle.pricing.CashoutTypedData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Sign;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.IntUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark (runs with -Pbench only): signature recovery per call on one thread, web3j/BouncyCastle
 * against native libsecp256k1 — the bare curve operation and the whole {@link Eip712Signatures#recover}
 * path (signature text and digest in, EIP-55 address out) — over 128 cash-out digests signed by distinct
 * wallets, then {@link RecoveryRate#measure()} as a load benchmark calls it. Each row: a warm-up, then
 * rounds of fixed time; the median round is reported, by the thread's CPU time (what a call costs a
 * core, whatever else runs) and by wall time (with the rounds' spread, which shows the machine's load). Settings: -Dbench.warmupSeconds (3),
 * -Dbench.rounds (5), -Dbench.roundMillis (1000).
 */
@Tag("bench")
class SignatureRecoveryBenchmark {
    static volatile long sink;
    static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * Per round: calls per second of wall time, CPU microseconds per call of this thread, and of the whole
     * JVM (which adds the garbage collector's and compiler's threads; nothing else runs in it).
     */
    record Row(String what, double[] perSecond, double[] cpuMicrosPerCall, double[] processCpuMicrosPerCall) {
        double median() {
            return median(perSecond);
        }

        double cpuMedian() {
            return median(cpuMicrosPerCall);
        }

        double processCpuMedian() {
            return median(processCpuMicrosPerCall);
        }

        static double median(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    @Test
    void recoveryPerCall() {
        long warmupNanos = Duration.ofSeconds(Integer.getInteger("bench.warmupSeconds", 3)).toNanos();
        int rounds = Integer.getInteger("bench.rounds", 5);
        long roundNanos = Duration.ofMillis(Integer.getInteger("bench.roundMillis", 1000)).toNanos();
        RecoveryRate.Samples s = RecoveryRate.Samples.make(128);
        int n = s.digests().length;
        Secp256k1Recovery nativeCurve = Secp256k1Recovery.current();
        assertThat(nativeCurve.isNative()).as("the native library loads").isTrue();
        Secp256k1Recovery web3j = Secp256k1Recovery.web3j();
        Sign.SignatureData[] sd = new Sign.SignatureData[n];
        byte[][] sig64 = new byte[n][];
        for (int i = 0; i < n; i++) {
            byte[] b = HexFormat.of().parseHex(s.signatures()[i].substring(2));
            sd[i] = new Sign.SignatureData(b[64], Arrays.copyOfRange(b, 0, 32), Arrays.copyOfRange(b, 32, 64));
            sig64[i] = Arrays.copyOfRange(b, 0, 64);
        }
        Secp256k1 lib = Secp256k1.get();
        String load = String.format(Locale.ROOT, "load average before %.2f", loadAverage());
        List<Row> rows = new ArrayList<>();
        rows.add(row("curve op: web3j Sign.signedMessageHashToKey", warmupNanos, rounds, roundNanos, i -> {
            try {
                return Sign.signedMessageHashToKey(s.digests()[i % n], sd[i % n]).bitLength();
            } catch (java.security.SignatureException e) {
                throw new IllegalStateException(e);
            }
        }));
        rows.add(row("curve op: native ecdsaRecover", warmupNanos, rounds, roundNanos,
                i -> lib.ecdsaRecover(sig64[i % n], s.digests()[i % n], sd[i % n].getV()[0] - 27)[64]));
        rows.add(row("Eip712Signatures.recover, web3j", warmupNanos, rounds, roundNanos, i -> recover(s, web3j, i % n)));
        rows.add(row("Eip712Signatures.recover, native", warmupNanos, rounds, roundNanos, i -> recover(s, nativeCurve, i % n)));
        rows.add(row("(context) CashoutTypedData.digest of a quote", warmupNanos, rounds, roundNanos,
                i -> CashoutTypedData.digest(CashoutTypedData.of(1337, "0x000000000000000000000000000000000000e5c0", "quote_" + (i % n),
                        s.signers()[i % n], 2_500_000, 30_000, 1_800_000_000L))[0]));
        RecoveryRate harness = RecoveryRate.measure();
        print(rows, rounds, roundNanos, warmupNanos, load, harness);
    }

    private static int recover(RecoveryRate.Samples s, Secp256k1Recovery curve, int i) {
        if (!(Eip712Signatures.recover(s.digests()[i], s.signatures()[i], curve) instanceof Eip712Signatures.Recovered r)
                || !r.address().equals(s.signers()[i])) {
            throw new IllegalStateException("sample " + i + " did not recover its signer");
        }
        return r.address().length();
    }

    /** Calls {@code op(0), op(1), ...} for the warm-up, then for each round counts the calls done in the round's time. */
    private static Row row(String what, long warmupNanos, int rounds, long roundNanos, IntUnaryOperator op) {
        run(op, warmupNanos);
        double[] perSecond = new double[rounds];
        double[] cpuMicros = new double[rounds];
        double[] processCpuMicros = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t = System.nanoTime();
            long cpu = RecoveryRate.cpuNanos();
            long processCpu = PROCESS.getProcessCpuTime();
            long calls = run(op, roundNanos);
            perSecond[r] = calls / ((System.nanoTime() - t) / 1e9);
            cpuMicros[r] = (RecoveryRate.cpuNanos() - cpu) / 1e3 / calls;
            processCpuMicros[r] = (PROCESS.getProcessCpuTime() - processCpu) / 1e3 / calls;
        }
        return new Row(what, perSecond, cpuMicros, processCpuMicros);
    }

    private static long run(IntUnaryOperator op, long nanos) {
        long end = System.nanoTime() + nanos;
        long calls = 0;
        long acc = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 16; i++) acc += op.applyAsInt((int) (calls++ & 0x7fffffff));
        }
        sink = acc;
        return calls;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void print(List<Row> rows, int rounds, long roundNanos, long warmupNanos, String load, RecoveryRate harness) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "%nsecp256k1 signature recovery, one thread: %.0f s warm-up, %d rounds of %d ms per row, 128 signed cash-out digests%n",
                warmupNanos / 1e9, rounds, roundNanos / 1_000_000));
        b.append(String.format(Locale.ROOT, "%-46s %11s %11s %13s %13s %10s %22s%n", "", "thread CPU", "JVM CPU", "per JVM CPU-s",
                "calls/s wall", "wall µs", "wall rounds min – max"));
        b.append(String.format(Locale.ROOT, "%-46s %11s %11s%n", "", "µs/call", "µs/call"));
        for (Row r : rows) {
            double[] v = r.perSecond().clone();
            Arrays.sort(v);
            b.append(String.format(Locale.ROOT, "%-46s %11.1f %11.1f %,13.0f %,13.0f %10.1f %,10.0f – %,9.0f%n", r.what(), r.cpuMedian(),
                    r.processCpuMedian(), 1e6 / r.processCpuMedian(), r.median(), 1e6 / r.median(), v[0], v[v.length - 1]));
        }
        b.append(String.format(Locale.ROOT, "native / web3j on the recover path: %.1f× by thread CPU, %.1f× by JVM CPU, %.1f× by wall time%n",
                rows.get(2).cpuMedian() / rows.get(3).cpuMedian(), rows.get(2).processCpuMedian() / rows.get(3).processCpuMedian(),
                rows.get(3).median() / rows.get(2).median()));
        b.append(harness.line()).append(" [RecoveryRate.measure()]\n");
        b.append(String.format(Locale.ROOT, "%d cores, Java %s, %s, after %.2f%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), load, loadAverage()));
        System.out.print(b);
    }
}
