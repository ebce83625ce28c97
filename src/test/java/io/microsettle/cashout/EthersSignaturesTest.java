package io.microsettle.cashout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microsettle.pricing.CashoutTypedData;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.EthersSigner;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Cash-out authorisations signed by an independent signer (ethers, as a wallet would sign the
 * quote's typedData), accepted when they bind this quote, chain and escrow, refused otherwise.
 */
@QuarkusTest
class EthersSignaturesTest {
    @Inject
    DbRows db;

    @Test
    void ethersSignsTheSpecMailExampleToTheSpecSignature() {
        String cowKey = "0x" + HexFormat.of().formatHex(Hash.sha3("cow".getBytes(StandardCharsets.UTF_8)));
        String sig = EthersSigner.sign(Eip712Test.MAIL, cowKey);
        assertThat(sig).isEqualTo("0x" + Eip712Test.MAIL_SIGNATURE);
        assertThat(Eip712Signatures.recover(CashoutTypedData.digest(Eip712Test.MAIL), sig))
                .isEqualTo(new Eip712Signatures.Recovered(Eip712Test.COW));
    }

    @Test
    void aQuoteSignedByEthersIsAcceptedAndBindsChainEscrowAndQuote() {
        String integrator = "ethers-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
        JsonNode q = Api.quote(t, a.id(), 1_000_000);
        String quoteJson = q.toString();

        // another chain id, another escrow, another quote's data, another key: all refused
        ObjectNode otherChain = (ObjectNode) q.get("typedData").deepCopy();
        ((ObjectNode) otherChain.get("domain")).put("chainId", q.get("typedData").get("domain").get("chainId").asLong() + 1);
        ObjectNode otherEscrow = (ObjectNode) q.get("typedData").deepCopy();
        ((ObjectNode) otherEscrow.get("domain")).put("verifyingContract", "0x000000000000000000000000000000000000dEaD");
        ObjectNode otherGross = (ObjectNode) q.get("typedData").deepCopy();
        ((ObjectNode) otherGross.get("message")).put("gross", "999999");
        for (String bad : new String[]{EthersSigner.sign(otherChain.toString(), a.wallet()),
                EthersSigner.sign(otherEscrow.toString(), a.wallet()), EthersSigner.sign(otherGross.toString(), a.wallet()),
                EthersSigner.sign(quoteJson, Wallets.newKey())}) {
            refusedWithoutWrites(db, () -> as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", bad)).post("/v1/cashouts"),
                    422, "bad_signature");
        }

        String sig = EthersSigner.sign(quoteJson, a.wallet());
        assertThat(sig).isEqualTo(Api.sign(q, a.wallet())).as("ethers and web3j make the same RFC 6979 signature");
        as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", sig)).post("/v1/cashouts").then().statusCode(201)
                .body("status", equalTo("QUEUED")).body("wallet", equalTo(a.walletAddress()));
        // the same signature again is a replay
        refusedWithoutWrites(db, () -> as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", sig)).post("/v1/cashouts"),
                409, "quote_used");

        // ethers' v is 27/28; the same signature with v as 0/1 is accepted too
        JsonNode q2 = Api.quote(t, a.id(), 1_000_000);
        String sig2 = EthersSigner.sign(q2.toString(), a.wallet());
        String v01 = sig2.substring(0, 130) + String.format("%02x", Integer.parseInt(sig2.substring(130), 16) - 27);
        as(t).body(Map.of("quoteId", q2.get("id").asText(), "signature", v01)).post("/v1/cashouts").then().statusCode(201);
    }
}
