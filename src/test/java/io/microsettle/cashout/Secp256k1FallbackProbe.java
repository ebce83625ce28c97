package io.microsettle.cashout;

import io.microsettle.pricing.CashoutTypedData;

/** Run in a child JVM by {@link Secp256k1RecoveryTest}: prints the implementation chosen and the spec example's signer. */
public final class Secp256k1FallbackProbe {
    private Secp256k1FallbackProbe() {}

    public static void main(String[] args) {
        System.out.println("implementation=" + Secp256k1Recovery.current().name());
        System.out.println("recovered=" + Eip712Signatures.recover(CashoutTypedData.digest(Eip712Test.MAIL), Eip712Test.MAIL_SIGNATURE));
    }
}
