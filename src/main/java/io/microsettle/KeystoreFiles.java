package io.microsettle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@link StartChecks.Files} on the file system: a web3j (Ethereum V3) wallet file's address is in the clear. */
final class KeystoreFiles implements StartChecks.Files {
    static final KeystoreFiles INSTANCE = new KeystoreFiles();
    /** A wallet file is a few hundred bytes; anything much larger is not one. */
    static final long MAX_WALLET_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private KeystoreFiles() {}

    @Override
    public boolean exists(Path file) {
        return Files.isRegularFile(file);
    }

    @Override
    public Optional<String> keystoreAddress(Path file) {
        try {
            if (Files.size(file) > MAX_WALLET_BYTES) return Optional.empty();
            JsonNode address = JSON.readTree(file.toFile()).path("address");
            return address.isTextual() ? Optional.of(address.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // unreadable: ChainClient reports it when it decrypts the file
        }
    }
}
