package io.microsettle.cashout;

import io.microsettle.pricing.CashoutTypedData;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Signature recoveries per second on one core: {@link Eip712Signatures#recover} (digest to address) in
 * a warmed-up loop on the calling thread, over cash-out digests signed by distinct wallets, counted per
 * second of the thread's CPU time (so other load on the machine does not lower it) and of wall time.
 * Signature recovery is the cash-out request's main CPU cost, so this bounds that path per core;
 * benchmark harnesses print {@link #line()} of {@link #measure()}.
 */
public record RecoveryRate(String implementation, long calls, double wallSeconds, double cpuSeconds) {
    private static final int SAMPLES = 128;
    private static final Duration MAX_PHASE = Duration.ofMinutes(1);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Per second of the thread's CPU time: one core's rate, whatever else the machine runs. */
    public double perSecond() {
        return calls / cpuSeconds;
    }

    public double microsPerCall() {
        return cpuSeconds * 1e6 / calls;
    }

    /** Per second of wall time on this thread (lower than {@link #perSecond()} when the machine is busy). */
    public double perWallSecond() {
        return calls / wallSeconds;
    }

    public String line() {
        return String.format(Locale.ROOT, "signature recoveries per second on one core: %,.0f (%.1f µs CPU/call, %s; %,.0f/s of wall time)",
                perSecond(), microsPerCall(), implementation, perWallSecond());
    }

    /** The implementation in use, 2 s of warm-up, 3 s measured. */
    public static RecoveryRate measure() {
        return measure(Secp256k1Recovery.current(), Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    /** Warm-up and measured phases of at most a minute each. */
    public static RecoveryRate measure(Secp256k1Recovery curve, Duration warmup, Duration measured) {
        if (warmup.compareTo(MAX_PHASE) > 0 || measured.compareTo(MAX_PHASE) > 0 || measured.isZero() || measured.isNegative()) {
            throw new IllegalArgumentException("phases are positive and at most " + MAX_PHASE);
        }
        Samples samples = Samples.make(SAMPLES);
        loop(curve, samples, warmup.toNanos());
        long started = System.nanoTime();
        long cpuStarted = cpuNanos();
        long calls = loop(curve, samples, measured.toNanos());
        double wall = (System.nanoTime() - started) / 1e9;
        double cpu = THREADS.isCurrentThreadCpuTimeSupported() ? (cpuNanos() - cpuStarted) / 1e9 : wall;
        return new RecoveryRate(curve.name(), calls, wall, cpu);
    }

    /** The calling thread's CPU time (0 where the JVM cannot tell; wall time is used then). */
    public static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    /** Recovers round-robin until {@code nanos} have passed; every answer is checked, so none is optimised away. */
    private static long loop(Secp256k1Recovery curve, Samples s, long nanos) {
        long end = System.nanoTime() + nanos;
        long calls = 0;
        do {
            for (int i = 0; i < s.digests.length; i++) {
                Eip712Signatures.Outcome o = Eip712Signatures.recover(s.digests[i], s.signatures[i], curve);
                if (!(o instanceof Eip712Signatures.Recovered r) || !r.address().equals(s.signers[i])) {
                    throw new IllegalStateException("recovery gave " + o + " for sample " + i);
                }
            }
            calls += s.digests.length;
        } while (System.nanoTime() < end);
        return calls;
    }

    /** Cash-out digests, each signed (RFC 6979, low s) by its own wallet. */
    record Samples(byte[][] digests, String[] signatures, String[] signers) {
        static Samples make(int n) {
            Samples s = new Samples(new byte[n][], new String[n], new String[n]);
            for (int i = 0; i < n; i++) {
                ECKeyPair key = ECKeyPair.create(Hash.sha3(("recovery-rate-" + i).getBytes(StandardCharsets.UTF_8)));
                s.signers[i] = Keys.toChecksumAddress(Keys.getAddress(key));
                s.digests[i] = CashoutTypedData.digest(1337, "0x000000000000000000000000000000000000e5c0",
                        "quote_" + i, s.signers[i], 2_500_000 + i, 30_000, 1_800_000_000L);
                Sign.SignatureData sd = Sign.signMessage(s.digests[i], key, false);
                s.signatures[i] = "0x" + HexFormat.of().formatHex(sd.getR()) + HexFormat.of().formatHex(sd.getS())
                        + HexFormat.of().formatHex(sd.getV());
            }
            return s;
        }
    }
}
