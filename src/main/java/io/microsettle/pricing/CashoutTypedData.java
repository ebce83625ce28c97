package io.microsettle.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.infra.Addresses;
import org.web3j.crypto.Hash;
import org.web3j.crypto.StructuredDataEncoder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EIP-712 typed data a wallet signs to authorise a cash-out (plain Java), in the JSON
 * form {@code eth_signTypedData_v4} takes: domain {name "microsettle", version "1", chainId,
 * verifyingContract = escrow}, primaryType "Cashout", message {quoteId, destination, gross,
 * fee, deadline}. uint256 values are decimal strings (chainId and deadline are numbers).
 *
 * <p>A cash-out request checks the wallet's signature against {@link #digest(long, String, String, String, long, long, long)},
 * which encodes this one type directly; the generic encoder ({@link #digest(String)}, web3j's, over the JSON form)
 * parses the JSON and the type strings again for every call and cost about a third of a request's CPU.
 * {@code Eip712Test} checks the two against each other.
 */
public final class CashoutTypedData {
    public static final String DOMAIN_NAME = "microsettle";
    public static final String DOMAIN_VERSION = "1";
    public static final String PRIMARY_TYPE = "Cashout";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DOMAIN_TYPE_HASH =
            keccak("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    private static final byte[] CASHOUT_TYPE_HASH =
            keccak("Cashout(string quoteId,address destination,uint256 gross,uint256 fee,uint256 deadline)");
    private static final byte[] DOMAIN_NAME_HASH = keccak(DOMAIN_NAME);
    private static final byte[] DOMAIN_VERSION_HASH = keccak(DOMAIN_VERSION);
    private static final int WORD_BYTES = 32;

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

    /**
     * The EIP-712 digest of a cash-out, keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(message)), encoded
     * directly: the same bytes as {@code digest(of(...))} with the same arguments.
     */
    public static byte[] digest(long chainId, String escrowAddress, String quoteId, String destination,
                                long grossBaseUnits, long feeBaseUnits, long deadlineEpochSeconds) {
        ByteBuffer domain = ByteBuffer.allocate(5 * WORD_BYTES)
                .put(DOMAIN_TYPE_HASH).put(DOMAIN_NAME_HASH).put(DOMAIN_VERSION_HASH)
                .put(uint256(chainId, "chainId")).put(address(escrowAddress, "verifyingContract"));
        ByteBuffer message = ByteBuffer.allocate(6 * WORD_BYTES)
                .put(CASHOUT_TYPE_HASH).put(keccak(quoteId)).put(address(destination, "destination"))
                .put(uint256(grossBaseUnits, "gross")).put(uint256(feeBaseUnits, "fee")).put(uint256(deadlineEpochSeconds, "deadline"));
        ByteBuffer signed = ByteBuffer.allocate(2 + 2 * WORD_BYTES)
                .put((byte) 0x19).put((byte) 0x01).put(Hash.sha3(domain.array())).put(Hash.sha3(message.array()));
        return Hash.sha3(signed.array());
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

    private static byte[] keccak(String text) {
        return Hash.sha3(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] uint256(long value, String field) {
        if (value < 0) throw new IllegalArgumentException(field + " is negative: " + value);
        return ByteBuffer.allocate(WORD_BYTES).putLong(WORD_BYTES - Long.BYTES, value).array();
    }

    /** An address as an ABI word: 12 zero bytes, then its 20 bytes. */
    private static byte[] address(String value, String field) {
        if (value == null || !Addresses.isAddress(value)) throw new IllegalArgumentException(field + " is not an address: " + value);
        byte[] word = new byte[WORD_BYTES];
        System.arraycopy(HexFormat.of().parseHex(value, 2, value.length()), 0, word, WORD_BYTES - 20, 20);
        return word;
    }

    private static Map<String, String> field(String name, String type) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("name", name);
        f.put("type", type);
        return f;
    }
}
