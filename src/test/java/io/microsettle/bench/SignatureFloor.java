package io.microsettle.bench;

import io.microsettle.testsupport.Wallets;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Sign;

import java.math.BigInteger;
import java.security.SignatureException;

/**
 * The floor of a cash-out request: secp256k1 public-key recoveries per second on one core, with the service's own
 * recovery (web3j {@link Sign#signedMessageHashToKey}, as {@code cashout.Eip712Signatures} calls it), measured on
 * one thread of this JVM after a warm-up, while the service is not running.
 */
final class SignatureFloor {
    private SignatureFloor() {}

    static double recoveriesPerSecond(int measureSeconds) {
        ECKeyPair key = Wallets.newKey();
        byte[][] digests = new byte[16][];
        Sign.SignatureData[] signatures = new Sign.SignatureData[digests.length];
        for (int i = 0; i < digests.length; i++) {
            digests[i] = Hash.sha3(BigInteger.valueOf(i).toByteArray());
            signatures[i] = Sign.signMessage(digests[i], key, false);
        }
        loop(digests, signatures, key.getPublicKey(), 2_000_000_000L);
        long n = loop(digests, signatures, key.getPublicKey(), measureSeconds * 1_000_000_000L);
        return n / (double) measureSeconds;
    }

    /** Recovers for {@code nanos}; every recovery must give the signer's key (so none is optimized away). */
    private static long loop(byte[][] digests, Sign.SignatureData[] signatures, BigInteger publicKey, long nanos) {
        long end = System.nanoTime() + nanos;
        long n = 0;
        try {
            while (System.nanoTime() < end) {
                int i = (int) (n % digests.length);
                if (!Sign.signedMessageHashToKey(digests[i], signatures[i]).equals(publicKey)) {
                    throw new IllegalStateException("recovered another key");
                }
                n++;
            }
        } catch (SignatureException e) {
            throw new IllegalStateException(e);
        }
        return n;
    }
}
