package io.microsettle.testsupport;

import io.microsettle.pricing.CashoutTypedData;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

import java.security.GeneralSecurityException;
import java.util.HexFormat;

/** A wallet as a user's signer would be: a secp256k1 key that signs EIP-712 typed data. */
public final class Wallets {
    private Wallets() {}

    public static ECKeyPair newKey() {
        try {
            return Keys.createEcKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String address(ECKeyPair key) {
        return Keys.toChecksumAddress(Keys.getAddress(key));
    }

    /** Signs typed data given as the JSON a quote returned; r ‖ s ‖ v hex with v 27/28. */
    public static String signTypedData(String typedDataJson, ECKeyPair key) {
        byte[] digest = CashoutTypedData.digest(typedDataJson);
        Sign.SignatureData sd = Sign.signMessage(digest, key, false);
        byte[] out = new byte[65];
        System.arraycopy(sd.getR(), 0, out, 0, 32);
        System.arraycopy(sd.getS(), 0, out, 32, 32);
        out[64] = sd.getV()[0];
        return "0x" + HexFormat.of().formatHex(out);
    }
}
