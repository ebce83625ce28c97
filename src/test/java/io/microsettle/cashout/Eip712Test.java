package io.microsettle.cashout;

import io.microsettle.pricing.CashoutTypedData;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The EIP-712 spec's Mail example, and the signature rules around recovery. */
class Eip712Test {
    static final String MAIL = """
            {"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},
              {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
             "Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],
             "Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},
             "primaryType":"Mail",
             "domain":{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
             "message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
               "to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}""";
    static final String MAIL_DIGEST = "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2";
    static final String MAIL_SIGNATURE = "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
            + "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562" + "1c";
    static final String COW = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826";
    static final BigInteger N = Sign.CURVE_PARAMS.getN();

    static ECKeyPair cow() {
        return ECKeyPair.create(Hash.sha3("cow".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void mailDigestMatchesTheSpec() {
        assertThat(HexFormat.of().formatHex(CashoutTypedData.digest(MAIL))).isEqualTo(MAIL_DIGEST);
    }

    @Test
    void cowKeyIsTheSpecSigner() {
        assertThat(Keys.toChecksumAddress(Keys.getAddress(cow()))).isEqualTo(COW);
    }

    @Test
    void specSignatureRecoversCowWithVAs27Or28And0Or1() {
        byte[] digest = CashoutTypedData.digest(MAIL);
        assertThat(Eip712Signatures.recover(digest, "0x" + MAIL_SIGNATURE)).isEqualTo(new Eip712Signatures.Recovered(COW));
        String v1 = MAIL_SIGNATURE.substring(0, 128) + "01";
        assertThat(Eip712Signatures.recover(digest, v1)).isEqualTo(new Eip712Signatures.Recovered(COW));
    }

    @Test
    void ownSignatureRecovers() {
        byte[] digest = CashoutTypedData.digest(MAIL);
        Sign.SignatureData sd = Sign.signMessage(digest, cow(), false);
        String hex = HexFormat.of().formatHex(sd.getR()) + HexFormat.of().formatHex(sd.getS()) + HexFormat.of().formatHex(sd.getV());
        assertThat(Eip712Signatures.recover(digest, hex)).isEqualTo(new Eip712Signatures.Recovered(COW));
    }

    @Test
    void highSIsRefused() {
        byte[] digest = CashoutTypedData.digest(MAIL);
        BigInteger s = new BigInteger(MAIL_SIGNATURE.substring(64, 128), 16);
        String highS = String.format("%064x", N.subtract(s));
        String flippedV = MAIL_SIGNATURE.endsWith("1c") ? "1b" : "1c";
        String malleable = MAIL_SIGNATURE.substring(0, 64) + highS + flippedV;
        assertThat(Eip712Signatures.recover(digest, malleable)).isInstanceOf(Eip712Signatures.Invalid.class);
    }

    @Test
    void wrongLengthBadVAndNonHexAreRefused() {
        byte[] digest = CashoutTypedData.digest(MAIL);
        assertThat(Eip712Signatures.recover(digest, MAIL_SIGNATURE.substring(2))).isInstanceOf(Eip712Signatures.Invalid.class);
        assertThat(Eip712Signatures.recover(digest, MAIL_SIGNATURE + "00")).isInstanceOf(Eip712Signatures.Invalid.class);
        assertThat(Eip712Signatures.recover(digest, MAIL_SIGNATURE.substring(0, 128) + "1d")).isInstanceOf(Eip712Signatures.Invalid.class);
        assertThat(Eip712Signatures.recover(digest, "zz" + MAIL_SIGNATURE.substring(2))).isInstanceOf(Eip712Signatures.Invalid.class);
        assertThat(Eip712Signatures.recover(digest, "0".repeat(130))).isInstanceOf(Eip712Signatures.Invalid.class);
        assertThat(Eip712Signatures.recover(digest, null)).isInstanceOf(Eip712Signatures.Invalid.class);
    }

    @Test
    void otherMessageRecoversSomeoneElse() {
        byte[] digest = CashoutTypedData.digest(MAIL.replace("Hello, Bob!", "Hello, Eve!"));
        assertThat(Eip712Signatures.recover(digest, MAIL_SIGNATURE)).isNotEqualTo(new Eip712Signatures.Recovered(COW));
    }

    @Test
    void cashoutTypedDataBindsChainEscrowAndFields() {
        var a = CashoutTypedData.of(1337, "0x0000000000000000000000000000000000000001", "quote_1",
                COW, 1_000_000, 30_000, 1_800_000_000L);
        byte[] d = CashoutTypedData.digest(a);
        assertThat(d).hasSize(32);
        assertThat(CashoutTypedData.digest(CashoutTypedData.of(1, "0x0000000000000000000000000000000000000001", "quote_1",
                COW, 1_000_000, 30_000, 1_800_000_000L))).isNotEqualTo(d);
        assertThat(CashoutTypedData.digest(CashoutTypedData.of(1337, "0x0000000000000000000000000000000000000002", "quote_1",
                COW, 1_000_000, 30_000, 1_800_000_000L))).isNotEqualTo(d);
        assertThat(CashoutTypedData.digest(CashoutTypedData.of(1337, "0x0000000000000000000000000000000000000001", "quote_1",
                COW, 1_000_001, 30_000, 1_800_000_000L))).isNotEqualTo(d);
        assertThat(CashoutTypedData.digest(CashoutTypedData.of(1337, "0x0000000000000000000000000000000000000001", "quote_2",
                COW, 1_000_000, 30_000, 1_800_000_000L))).isNotEqualTo(d);
        assertThat(a.get("primaryType")).isEqualTo("Cashout");
    }

    @Test
    void theDirectCashoutDigestIsTheGenericEncodersDigestOfTheTypedData() {
        Random random = new Random(712);
        for (int i = 0; i < 500; i++) {
            long chainId = i % 3 == 0 ? 1337 : random.nextLong(Long.MAX_VALUE);
            String escrow = randomAddress(random);
            String destination = i % 2 == 0 ? randomAddress(random) : randomAddress(random).toUpperCase().replace("0X", "0x");
            String quoteId = i % 5 == 0 ? "quote_ünïcode_" + i : "quote_" + Long.toString(random.nextLong(Long.MAX_VALUE), 36);
            long gross = i == 0 ? 0 : i == 1 ? Long.MAX_VALUE : random.nextLong(Long.MAX_VALUE);
            long fee = gross == 0 ? 0 : random.nextLong(gross);
            long deadline = 1_800_000_000L + random.nextInt(1_000_000);
            byte[] generic = CashoutTypedData.digest(CashoutTypedData.of(chainId, escrow, quoteId, destination, gross, fee, deadline));
            assertThat(CashoutTypedData.digest(chainId, escrow, quoteId, destination, gross, fee, deadline))
                    .as("case %d", i).isEqualTo(generic);
        }
    }

    @Test
    void theDirectCashoutDigestRefusesWhatIsNotAUint256OrAnAddress() {
        String escrow = "0x0000000000000000000000000000000000000001";
        assertThatThrownBy(() -> CashoutTypedData.digest(1337, escrow, "q", COW, -1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gross");
        assertThatThrownBy(() -> CashoutTypedData.digest(1337, escrow, "q", "0x1234", 1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("destination");
        assertThatThrownBy(() -> CashoutTypedData.digest(1337, "not an address", "q", COW, 1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("verifyingContract");
    }

    private static String randomAddress(Random random) {
        byte[] b = new byte[20];
        random.nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }
}
