package io.microsettle.cashout;

import fr.acinq.secp256k1.Secp256k1;
import org.jboss.logging.Logger;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

import java.security.SignatureException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * secp256k1 public-key recovery to an Ethereum address: native libsecp256k1 (ACINQ's JNI binding) when
 * it loads, several times faster than web3j/BouncyCastle, which stays the fallback. Both give the same
 * answer for every input: the native library's refusals (an r that is no curve x, a recovered point at
 * infinity, a digest that is not 32 bytes) are decided again by web3j, so that whatever web3j accepts
 * or refuses stays so; a recovered point at infinity is refused by both (web3j alone would turn it
 * into the address of the all-zero key, 0x3f17f1962B36e491b30A40b2405849e597Ba5FB5). Callers check r, s and v
 * first (see {@link Eip712Signatures}).
 */
public final class Secp256k1Recovery {
    private static final Logger LOG = Logger.getLogger(Secp256k1Recovery.class);
    private static final int DIGEST_BYTES = 32;
    // The EIP-712 specification's Mail example, signed by "cow": the native library must recover it to be used.
    private static final String KNOWN_DIGEST = "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2";
    private static final String KNOWN_R = "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d";
    private static final String KNOWN_S = "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562";
    private static final int KNOWN_REC_ID = 1;
    private static final String KNOWN_SIGNER = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826";

    /** Chosen once per JVM, on first use. */
    private static final class Holder {
        static final Secp256k1Recovery CURRENT = loading(Secp256k1::get);
    }

    /** null: web3j only. */
    private final Secp256k1 nativeCurve;

    private Secp256k1Recovery(Secp256k1 nativeCurve) {
        this.nativeCurve = nativeCurve;
    }

    /** The implementation in use: native when the library loaded, else web3j. */
    public static Secp256k1Recovery current() {
        return Holder.CURRENT;
    }

    /** web3j/BouncyCastle only (the reference the native path is measured and tested against). */
    public static Secp256k1Recovery web3j() {
        return new Secp256k1Recovery(null);
    }

    /**
     * Native from {@code loader} once it recovers a known answer, or web3j with a log line. The check is
     * needed: when the library cannot be extracted or linked, the binding's {@code get()} still returns
     * and the first call fails with {@link UnsatisfiedLinkError}.
     */
    static Secp256k1Recovery loading(Supplier<Secp256k1> loader) {
        try {
            Secp256k1Recovery candidate = new Secp256k1Recovery(loader.get());
            Optional<String> known = candidate.nativeAddress(HexFormat.of().parseHex(KNOWN_DIGEST),
                    HexFormat.of().parseHex(KNOWN_R), HexFormat.of().parseHex(KNOWN_S), KNOWN_REC_ID);
            if (!known.equals(Optional.of(KNOWN_SIGNER))) throw new IllegalStateException("the known signature recovered " + known);
            LOG.infof("secp256k1 signature recovery: native libsecp256k1 (%s)", candidate.nativeCurve.getClass().getName());
            return candidate;
        } catch (RuntimeException | LinkageError e) {
            LOG.warnf("secp256k1 signature recovery: the native library could not be loaded (%s); using web3j/BouncyCastle", e);
            return web3j();
        }
    }

    public boolean isNative() {
        return nativeCurve != null;
    }

    public String name() {
        return isNative() ? "native libsecp256k1" : "web3j/BouncyCastle";
    }

    /**
     * The EIP-55 address whose key signed {@code digest} with (r, s) and recovery id 0 or 1 (v - 27),
     * or empty when no key recovers. r and s are 32 bytes each.
     */
    public Optional<String> address(byte[] digest, byte[] r, byte[] s, int recId) {
        if (nativeCurve != null && digest != null && digest.length == DIGEST_BYTES) {
            Optional<String> fast = nativeAddress(digest, r, s, recId);
            if (fast.isPresent()) return fast;
        }
        return web3jAddress(digest, r, s, recId);
    }

    /** The native library alone: empty where it refuses (package-private so tests can show what web3j re-decides). */
    Optional<String> nativeAddress(byte[] digest, byte[] r, byte[] s, int recId) {
        byte[] sig = new byte[64];
        System.arraycopy(r, 0, sig, 0, 32);
        System.arraycopy(s, 0, sig, 32, 32);
        try {
            byte[] uncompressed = nativeCurve.ecdsaRecover(sig, digest, recId);  // 0x04 ‖ x ‖ y
            if (uncompressed.length != 65 || uncompressed[0] != 0x04) return Optional.empty();
            byte[] address = Keys.getAddress(Arrays.copyOfRange(uncompressed, 1, 65));
            return Optional.of(Keys.toChecksumAddress(Numeric.toHexStringNoPrefix(address)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<String> web3jAddress(byte[] digest, byte[] r, byte[] s, int recId) {
        try {
            var publicKey = Sign.signedMessageHashToKey(digest, new Sign.SignatureData((byte) (27 + recId), r, s));
            // the point at infinity is no key: web3j would answer the "address" of an all-zero key, which
            // anyone can make a signature for over any digest
            if (publicKey.signum() == 0) return Optional.empty();
            return Optional.of(Keys.toChecksumAddress(Keys.getAddress(publicKey)));
        } catch (SignatureException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
