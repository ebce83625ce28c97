package io.microsettle.testsupport;

import org.web3j.crypto.ECKeyPair;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An independent EIP-712 signer: ethers (contracts/node_modules) run through
 * {@code contracts/scripts/sign-typed-data.js}, signing typed data exactly as a wallet's
 * {@code eth_signTypedData_v4} would.
 */
public final class EthersSigner {
    private EthersSigner() {}

    public static String sign(String typedDataOrQuoteJson, ECKeyPair key) {
        return sign(typedDataOrQuoteJson, "0x" + String.format("%064x", key.getPrivateKey()));
    }

    public static String sign(String typedDataOrQuoteJson, String privateKeyHex) {
        Path contracts = Path.of("contracts").toAbsolutePath();
        try {
            Path input = Files.createTempFile("typed-data", ".json");
            try {
                Files.writeString(input, typedDataOrQuoteJson);
                Process p = new ProcessBuilder(System.getProperty("microsettle.test.node", "node"),
                        contracts.resolve("scripts/sign-typed-data.js").toString(), "--key", privateKeyHex, input.toString())
                        .directory(contracts.toFile()).redirectErrorStream(true).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("sign-typed-data.js did not finish");
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.exitValue() != 0 || !out.matches("0x[0-9a-f]{130}")) {
                    throw new IllegalStateException("sign-typed-data.js failed (" + p.exitValue() + "): " + out);
                }
                return out;
            } finally {
                Files.deleteIfExists(input);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
