package io.microsettle.cashout;

import fr.acinq.secp256k1.Secp256k1;
import io.microsettle.pricing.CashoutTypedData;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The native secp256k1 recovery against web3j/BouncyCastle (the reference): random valid signatures,
 * malformed ones of every kind, the point at infinity, and the fallback when the library cannot be
 * loaded. Every comparison goes through {@link Eip712Signatures#recover} with each implementation.
 * The random seed is in the failure messages.
 */
class Secp256k1RecoveryTest {
    static final Secp256k1Recovery WEB3J = Secp256k1Recovery.web3j();
    static final Secp256k1Recovery CURRENT = Secp256k1Recovery.current();
    static final BigInteger N = Sign.CURVE_PARAMS.getN();
    static final BigInteger HALF_N = N.shiftRight(1);
    static final BigInteger P = new BigInteger("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f", 16);
    static final String ZERO_KEY_ADDRESS = "0x3f17f1962B36e491b30A40b2405849e597Ba5FB5";
    static final long SEED = System.nanoTime();

    /** A signature built by hand: (r, s, recovery id) for a chosen nonce k; null when r would need recovery id 2 or 3. */
    record Sig(BigInteger r, BigInteger s, int recId) {
        String hex(int vOffset) {
            return HexFormat.of().formatHex(Numeric.toBytesPadded(r, 32)) + HexFormat.of().formatHex(Numeric.toBytesPadded(s, 32))
                    + String.format("%02x", recId + vOffset);
        }

        /** ECDSA with nonce k: R = kG, r = x(R), s = k⁻¹(e + r·d), made low-s (which flips R's parity). */
        static Sig of(BigInteger e, BigInteger d, BigInteger k) {
            var point = Sign.publicPointFromPrivate(k).normalize();
            BigInteger x = point.getAffineXCoord().toBigInteger();
            if (x.compareTo(N) >= 0) return null;
            BigInteger s = k.modInverse(N).multiply(e.add(x.multiply(d))).mod(N);
            int recId = point.getAffineYCoord().toBigInteger().testBit(0) ? 1 : 0;
            if (s.signum() == 0) return null;
            return s.compareTo(HALF_N) > 0 ? new Sig(x, N.subtract(s), recId ^ 1) : new Sig(x, s, recId);
        }
    }

    static BigInteger scalar(Random rnd) {
        BigInteger k;
        do {
            k = new BigInteger(256, rnd);
        } while (k.signum() == 0 || k.compareTo(N) >= 0);
        return k;
    }

    static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    static Eip712Signatures.Outcome same(byte[] digest, String signature) {
        Eip712Signatures.Outcome reference = Eip712Signatures.recover(digest, signature, WEB3J);
        assertThat(Eip712Signatures.recover(digest, signature, CURRENT))
                .as("digest %s, signature %s, seed %d", digest == null ? null : HexFormat.of().formatHex(digest), signature, SEED)
                .isEqualTo(reference);
        return reference;
    }

    @Test
    void theNativeLibraryLoadsOnTheseMachines() {
        assertThat(CURRENT.isNative()).as(CURRENT.name()).isTrue();
        assertThat(CURRENT.name()).isEqualTo("native libsecp256k1");
        assertThat(Eip712Signatures.recover(CashoutTypedData.digest(Eip712Test.MAIL), Eip712Test.MAIL_SIGNATURE, CURRENT))
                .isEqualTo(new Eip712Signatures.Recovered(Eip712Test.COW));
    }

    @Test
    void tenThousandRandomValidSignaturesRecoverTheSignerWithBoth() {
        Random rnd = new Random(SEED);
        int checked = 0;
        while (checked < 10_000) {
            BigInteger d = scalar(rnd);
            byte[] digest = bytes(rnd, 32);
            Sig sig = Sig.of(new BigInteger(1, digest), d, scalar(rnd));
            if (sig == null) continue;
            String signer = Keys.toChecksumAddress(Keys.getAddress(ECKeyPair.create(d)));
            String hex = sig.hex(checked % 3 == 0 ? 0 : 27);  // v as 0/1 for a third of them
            assertThat(same(digest, (checked % 2 == 0 ? "0x" : "") + hex)).isEqualTo(new Eip712Signatures.Recovered(signer));
            checked++;
        }
    }

    @Test
    void malformedSignaturesGetTheSameOutcomeFromBoth() {
        Random rnd = new Random(SEED + 1);
        List<Eip712Signatures.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {  // in range but random: about half are no curve x, the rest recover someone
            byte[] digest = bytes(rnd, 32);
            Sig junk = new Sig(scalar(rnd), scalar(rnd).mod(HALF_N).add(BigInteger.ONE), rnd.nextInt(2));
            outcomes.add(same(digest, junk.hex(rnd.nextBoolean() ? 27 : 0)));
        }
        for (int i = 0; i < 1000; i++) outcomes.add(same(bytes(rnd, 32), HexFormat.of().formatHex(bytes(rnd, 65))));
        outcomes.addAll(boundaries(bytes(rnd, 32)));
        outcomes.addAll(badLengthsAndText(rnd));
        outcomes.addAll(badDigests(rnd));
        long recovered = outcomes.stream().filter(o -> o instanceof Eip712Signatures.Recovered).count();
        long noKey = outcomes.stream().filter(o -> o.equals(new Eip712Signatures.Invalid("no public key recovers from this signature"))).count();
        assertThat(outcomes).hasSizeGreaterThan(3000);
        assertThat(recovered).as("some recover a key").isGreaterThan(500);
        assertThat(noKey).as("some reach the curve and recover none").isGreaterThan(500);
    }

    /** Every combination of edge values of r, s and v. */
    static List<Eip712Signatures.Outcome> boundaries(byte[] digest) {
        BigInteger curveX = Sign.publicPointFromPrivate(BigInteger.TWO).normalize().getAffineXCoord().toBigInteger();
        BigInteger[] rs = {BigInteger.ZERO, BigInteger.ONE, BigInteger.valueOf(5), curveX, N.subtract(BigInteger.ONE), N,
                N.add(BigInteger.ONE), P.subtract(BigInteger.ONE), P, BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE)};
        BigInteger[] ss = {BigInteger.ZERO, BigInteger.ONE, HALF_N, HALF_N.add(BigInteger.ONE), N.subtract(BigInteger.ONE), N,
                BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE)};
        int[] vs = {0, 1, 2, 3, 26, 27, 28, 29, 30, 35, 36, 37, 255};
        List<Eip712Signatures.Outcome> out = new ArrayList<>();
        for (BigInteger r : rs) {
            for (BigInteger s : ss) {
                for (int v : vs) out.add(same(digest, new Sig(r, s, v).hex(0)));
            }
        }
        return out;
    }

    static List<Eip712Signatures.Outcome> badLengthsAndText(Random rnd) {
        byte[] digest = CashoutTypedData.digest(Eip712Test.MAIL);
        String good = Eip712Test.MAIL_SIGNATURE;
        List<String> bad = new ArrayList<>(List.of("", "0x", "0x0", good.toUpperCase(), "0X" + good, "0x" + good + "0",
                " " + good, good + "\n", "zz" + good.substring(2), "0x" + good + "00".repeat(40), "g".repeat(130)));
        for (int len = 0; len <= 140; len++) bad.add(good.repeat(2).substring(0, len));
        bad.add(null);
        List<Eip712Signatures.Outcome> out = new ArrayList<>();
        for (String s : bad) out.add(same(digest, s));
        return out;
    }

    /** Digests that are not 32 bytes never reach the native library; web3j decides them as before. */
    static List<Eip712Signatures.Outcome> badDigests(Random rnd) {
        List<Eip712Signatures.Outcome> out = new ArrayList<>();
        for (byte[] digest : new byte[][]{null, new byte[0], bytes(rnd, 31), bytes(rnd, 33), bytes(rnd, 64), new byte[32]}) {
            out.add(same(digest, Eip712Test.MAIL_SIGNATURE));
        }
        return out;
    }

    @Test
    void aPointAtInfinityIsRefusedByBothNotTurnedIntoTheZeroKeysAddress() {
        Random rnd = new Random(SEED + 2);
        for (int i = 0; i < 100; i++) {
            byte[] digest = bytes(rnd, 32);
            Sig sig = Sig.of(new BigInteger(1, digest), BigInteger.ZERO, scalar(rnd));  // s·R = e·G: Q = r⁻¹(sR − eG) = O
            if (sig == null) continue;
            byte[] r = Numeric.toBytesPadded(sig.r(), 32);
            byte[] s = Numeric.toBytesPadded(sig.s(), 32);
            assertThat(CURRENT.nativeAddress(digest, r, s, sig.recId())).isEmpty();
            assertThat(Secp256k1Recovery.web3jAddress(digest, r, s, sig.recId())).isEmpty();
            assertThat(same(digest, sig.hex(27))).isInstanceOf(Eip712Signatures.Invalid.class)
                    .isNotEqualTo(new Eip712Signatures.Recovered(ZERO_KEY_ADDRESS));
        }
    }

    @Test
    void unfilteredInputsToTheCurveGetTheSameAnswer() {
        Random rnd = new Random(SEED + 3);
        for (int i = 0; i < 1000; i++) {
            byte[] digest = bytes(rnd, 32);
            byte[] r = i % 4 == 0 ? Numeric.toBytesPadded(N.add(BigInteger.valueOf(rnd.nextInt(1000))), 32) : bytes(rnd, 32);
            byte[] s = bytes(rnd, 32);
            int recId = rnd.nextInt(4);
            assertThat(CURRENT.address(digest, r, s, recId)).as("seed %d", SEED).isEqualTo(Secp256k1Recovery.web3jAddress(digest, r, s, recId));
        }
    }

    @Test
    void whenTheLibraryCannotBeLoadedWeb3jIsUsedAndSaysSo() {
        List<LogRecord> logged = new ArrayList<>();
        Handler h = new Handler() {
            @Override public void publish(LogRecord r) { logged.add(r); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        Logger log = Logger.getLogger(Secp256k1Recovery.class.getName());
        log.addHandler(h);
        try {
            List<Secp256k1Recovery> fallbacks = List.of(
                    Secp256k1Recovery.loading(() -> { throw new UnsatisfiedLinkError("no secp256k1-jni in java.library.path"); }),
                    Secp256k1Recovery.loading(() -> { throw new IllegalStateException("Could not load native Secp256k1 JNI library"); }),
                    Secp256k1Recovery.loading(() -> wrongAnswers()));
            for (Secp256k1Recovery f : fallbacks) {
                assertThat(f.isNative()).isFalse();
                assertThat(f.name()).isEqualTo("web3j/BouncyCastle");
                assertThat(Eip712Signatures.recover(CashoutTypedData.digest(Eip712Test.MAIL), Eip712Test.MAIL_SIGNATURE, f))
                        .isEqualTo(new Eip712Signatures.Recovered(Eip712Test.COW));
            }
            assertThat(logged).hasSize(3).allSatisfy(r -> assertThat(r.getMessage()).contains("could not be loaded", "using web3j/BouncyCastle"));
            assertThat(Secp256k1Recovery.loading(Secp256k1::get).isNative()).isTrue();
        } finally {
            log.removeHandler(h);
        }
    }

    /** A library that loads but answers wrongly (it recovers the key from another digest). */
    static Secp256k1 wrongAnswers() {
        Secp256k1 real = Secp256k1.get();
        return (Secp256k1) java.lang.reflect.Proxy.newProxyInstance(Secp256k1.class.getClassLoader(), new Class<?>[]{Secp256k1.class},
                (proxy, m, args) -> m.getName().equals("ecdsaRecover")
                        ? real.ecdsaRecover((byte[]) args[0], new byte[32], (int) args[2])
                        : m.invoke(real, args));
    }

    @Test
    void aJvmThatCannotExtractTheLibraryFallsBackToWeb3jWithALogLine() throws Exception {
        Path dir = Files.createTempDirectory("secp256k1-probe");
        String unusable = dir.resolve("missing").resolve("dir").toString();
        String failed = probe("-Dfr.acinq.secp256k1.tmpdir=" + unusable);
        assertThat(failed).contains("implementation=web3j/BouncyCastle", "recovered=Recovered[address=" + Eip712Test.COW + "]",
                "could not be loaded");
        String normal = probe("-Dfr.acinq.secp256k1.tmpdir=" + dir);
        assertThat(normal).contains("implementation=native libsecp256k1", "recovered=Recovered[address=" + Eip712Test.COW + "]")
                .doesNotContain("could not be loaded", "restricted method");
    }

    /** Runs {@link Secp256k1FallbackProbe} in a child JVM with this test's class path; its output, stderr included. */
    static String probe(String property) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", property, "-cp", System.getProperty("java.class.path"),
                Secp256k1FallbackProbe.class.getName()).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String text = new String(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(text).isZero();
            return text;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theRecoveryRateForHarnessesCountsCheckedRecoveries() {
        RecoveryRate rate = RecoveryRate.measure(CURRENT, java.time.Duration.ZERO, java.time.Duration.ofMillis(200));
        assertThat(rate.implementation()).isEqualTo("native libsecp256k1");
        assertThat(rate.calls()).isPositive();
        assertThat(rate.cpuSeconds()).isPositive().isLessThanOrEqualTo(rate.wallSeconds() * 1.05);
        assertThat(rate.perSecond()).isEqualTo(rate.calls() / rate.cpuSeconds());
        assertThat(rate.line()).startsWith("signature recoveries per second on one core: ").contains("native libsecp256k1");
        assertThatThrownBy(() -> RecoveryRate.measure(CURRENT, java.time.Duration.ofMinutes(2), java.time.Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecoveryRate.measure(CURRENT, java.time.Duration.ZERO, java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nativeRecoveryGivesTheKeyWeb3jGives() {
        Random rnd = new Random(SEED + 4);
        for (int i = 0; i < 200; i++) {
            byte[] digest = bytes(rnd, 32);
            Sig sig = Sig.of(new BigInteger(1, digest), scalar(rnd), scalar(rnd));
            if (sig == null) continue;
            byte[] r = Numeric.toBytesPadded(sig.r(), 32);
            byte[] s = Numeric.toBytesPadded(sig.s(), 32);
            Optional<String> viaNative = CURRENT.nativeAddress(digest, r, s, sig.recId());
            assertThat(viaNative).isPresent().isEqualTo(Secp256k1Recovery.web3jAddress(digest, r, s, sig.recId()));
        }
    }
}
