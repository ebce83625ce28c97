package io.microsettle.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.web3j.crypto.StructuredDataEncoder;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EIP-712 typed data a wallet signs to authorise a cash-out (plain Java), in the JSON
 * form {@code eth_signTypedData_v4} takes: domain {name "microsettle", version "1", chainId,
 * verifyingContract = escrow}, primaryType "Cashout", message {quoteId, destination, gross,
 * fee, deadline}. uint256 values are decimal strings (chainId and deadline are numbers).
 */
public final class CashoutTypedData {
    public static final String DOMAIN_NAME = "microsettle";
    public static final String DOMAIN_VERSION = "1";
    public static final String PRIMARY_TYPE = "Cashout";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CashoutTypedData() {}

    public static Map<String, Object> of(long chainId, String escrowAddress, String quoteId, String destination,
                                         long grossBaseUnits, long feeBaseUnits, long deadlineEpochSeconds) {
        Map<String, Object> types = new LinkedHashMap<>();
        types.put("EIP712Domain", List.of(
                field("name", "string"), field("version", "string"),
                field("chainId", "uint256"), field("verifyingContract", "address")));
        types.put(PRIMARY_TYPE, List.of(
                field("quoteId", "string"), field("destination", "address"),
                field("gross", "uint256"), field("fee", "uint256"), field("deadline", "uint256")));
        Map<String, Object> domain = new LinkedHashMap<>();
        domain.put("name", DOMAIN_NAME);
        domain.put("version", DOMAIN_VERSION);
        domain.put("chainId", chainId);
        domain.put("verifyingContract", escrowAddress);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("quoteId", quoteId);
        message.put("destination", destination);
        message.put("gross", Long.toString(grossBaseUnits));
        message.put("fee", Long.toString(feeBaseUnits));
        message.put("deadline", deadlineEpochSeconds);
        Map<String, Object> typed = new LinkedHashMap<>();
        typed.put("types", types);
        typed.put("primaryType", PRIMARY_TYPE);
        typed.put("domain", domain);
        typed.put("message", message);
        return typed;
    }

    /** The EIP-712 digest: keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(message)). */
    public static byte[] digest(Map<String, Object> typedData) {
        try {
            return digest(JSON.writeValueAsString(typedData));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static byte[] digest(String typedDataJson) {
        try {
            return new StructuredDataEncoder(typedDataJson).hashStructuredData();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not valid EIP-712 typed data", e);
        }
    }

    private static Map<String, String> field(String name, String type) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("name", name);
        f.put("type", type);
        return f;
    }
}
