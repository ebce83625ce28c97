package io.microsettle.cashout;

import org.web3j.crypto.Sign;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Recovers the signer of a 65-byte secp256k1 signature (r ‖ s ‖ v) over a digest (plain
 * Java; the curve operation in {@link Secp256k1Recovery}). Accepts v as 27/28 or 0/1; refuses
 * other lengths, high s (malleable), and r or s out of range.
 */
public final class Eip712Signatures {
    private static final Pattern HEX = Pattern.compile("(0x)?[0-9a-fA-F]*");
    private static final BigInteger N = Sign.CURVE_PARAMS.getN();
    private static final BigInteger HALF_N = N.shiftRight(1);

    public sealed interface Outcome permits Recovered, Invalid {}

    /** The signer's address, EIP-55. */
    public record Recovered(String address) implements Outcome {}

    public record Invalid(String reason) implements Outcome {}

    private Eip712Signatures() {}

    /** Recovers with the implementation in use ({@link Secp256k1Recovery#current()}). */
    public static Outcome recover(byte[] digest, String signatureHex) {
        return recover(digest, signatureHex, Secp256k1Recovery.current());
    }

    public static Outcome recover(byte[] digest, String signatureHex, Secp256k1Recovery curve) {
        if (signatureHex == null || signatureHex.length() > 200 || !HEX.matcher(signatureHex).matches()) {
            return new Invalid("signature must be hex");
        }
        String hex = signatureHex.startsWith("0x") ? signatureHex.substring(2) : signatureHex;
        if (hex.length() != 130) return new Invalid("signature must be 65 bytes");
        byte[] sig = HexFormat.of().parseHex(hex);
        byte[] r = Arrays.copyOfRange(sig, 0, 32);
        byte[] s = Arrays.copyOfRange(sig, 32, 64);
        int v = sig[64] & 0xFF;
        if (v == 0 || v == 1) v += 27;
        if (v != 27 && v != 28) return new Invalid("v must be 27, 28, 0 or 1");
        BigInteger rInt = new BigInteger(1, r);
        BigInteger sInt = new BigInteger(1, s);
        if (rInt.signum() == 0 || rInt.compareTo(N) >= 0 || sInt.signum() == 0) return new Invalid("r or s out of range");
        if (sInt.compareTo(HALF_N) > 0) return new Invalid("high-s signature (malleable) refused");
        return curve.address(digest, r, s, v - 27).<Outcome>map(Recovered::new)
                .orElseGet(() -> new Invalid("no public key recovers from this signature"));
    }
}
