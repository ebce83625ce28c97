package io.microsettle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.account.DevVerifier;
import io.microsettle.chain.DevAccounts;
import io.microsettle.security.DevKeys;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the service refuses to start with, as plain rules over the configuration read before boot
 * ({@link BootConfig}): unknown {@code microsettle.*} properties, and, on a chain that is not a local dev chain,
 * anything that would fall back to a development key (the generated JWT key, the dev issuer, the dev verifier, the
 * public dev mnemonic) or a missing keystore. Each rule returns every problem at once, so one start names all of them.
 */
public final class StartChecks {
    public static final String RPC_URL = "microsettle.chain.rpc-url";
    public static final String CHAIN_ID = "microsettle.chain.chain-id";
    public static final String DEPLOY_TO_RPC = "microsettle.chain.dev.deploy-to-rpc";
    public static final String ESCROW = "microsettle.chain.escrow-address";
    public static final String TOKEN = "microsettle.chain.token-address";
    public static final String MNEMONIC = "microsettle.chain.dev.mnemonic";
    public static final String KEYSTORE = "microsettle.chain.keys.%s-keystore";
    /** The placeholder default of {@code microsettle.account.verifier-issuer} (AccountConfig). */
    public static final String PLACEHOLDER_VERIFIER_ISSUER = "https://verifier.example";
    /** Accounts of a dev mnemonic checked against keystores (the dev chains fund the first ten). */
    static final int DEV_ACCOUNTS_CHECKED = 10;

    private StartChecks() {}

    /** What the rules need to know about files: whether one exists, and the address a web3j wallet file holds. */
    public interface Files {
        boolean exists(Path file);

        /** The wallet file's {@code address} (hex, any case, with or without 0x); empty if unreadable. */
        Optional<String> keystoreAddress(Path file);
    }

    /** {@link Files} on the file system: a web3j (Ethereum V3) wallet file's address is in the clear. */
    static final class KeystoreFiles implements Files {
        static final KeystoreFiles INSTANCE = new KeystoreFiles();
        /** A wallet file is a few hundred bytes; anything much larger is not one. */
        static final long MAX_WALLET_BYTES = 64 * 1024;
        private static final ObjectMapper JSON = new ObjectMapper();

        private KeystoreFiles() {}

        @Override
        public boolean exists(Path file) {
            return java.nio.file.Files.isRegularFile(file);
        }

        @Override
        public Optional<String> keystoreAddress(Path file) {
            try {
                if (java.nio.file.Files.size(file) > MAX_WALLET_BYTES) return Optional.empty();
                JsonNode address = JSON.readTree(file.toFile()).path("address");
                return address.isTextual() ? Optional.of(address.asText()) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty(); // unreadable: ChainClient reports it when it decrypts the file
            }
        }
    }

    /** Everything {@code run} refuses to start with, read from the configuration in every source. */
    public static List<String> all(BootConfig config) {
        List<String> problems = new ArrayList<>(missingLocations(config.value(BootConfig.LOCATIONS), config.workDir(),
                KeystoreFiles.INSTANCE));
        problems.addAll(unknownProperties(config.unknownProperties(), KnownProperties.get()));
        problems.addAll(devKeyProblems(config::value, config.dataDir(), KeystoreFiles.INSTANCE));
        return problems;
    }

    /**
     * A local dev chain: the one the service starts itself (no rpc-url), or a dev node at the rpc-url with chain id
     * 1337 that the service deploys to with the dev keys ({@code deploy-to-rpc}, docker-compose's Ganache).
     */
    public static boolean localDevChain(Function<String, Optional<String>> config) {
        if (config.apply(RPC_URL).isEmpty()) return true;
        return chainId(config) == DevAccounts.DEV_CHAIN_ID && flag(config, DEPLOY_TO_RPC);
    }

    /** Unknown {@code microsettle.*} properties, each with its source and the nearest known name if any. */
    public static List<String> unknownProperties(List<BootConfig.Seen> unknown, KnownProperties known) {
        List<String> problems = new ArrayList<>();
        for (BootConfig.Seen s : unknown) {
            boolean plain = s.writtenAs().equals(s.name()) || s.source().contains("(" + s.writtenAs() + ")");
            String shown = plain ? s.name() : s.name() + " (written " + s.writtenAs() + ")";
            problems.add(shown + " in " + s.source() + " is not a setting of microsettle"
                    + known.nearest(s.name()).map(n -> KnownProperties.RENAMED.containsKey(s.name())
                    ? ": it is now " + n : ": did you mean " + n + "?").orElse(""));
        }
        return problems;
    }

    /**
     * Each file or directory named by {@code quarkus.config.locations} that does not exist (SmallRye skips it
     * silently, and a misspelt production file would leave the service on the embedded defaults).
     */
    public static List<String> missingLocations(Optional<String> locations, Path workDir, Files files) {
        List<String> problems = new ArrayList<>();
        for (String l : locations.map(v -> v.split(",")).orElse(new String[0])) {
            String location = l.trim();
            if (location.isEmpty() || (location.contains(":") && !location.startsWith("file:"))) continue; // classpath, jar, http
            Path p = location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : workDir.resolve(location);
            if (!files.exists(p) && !java.nio.file.Files.isDirectory(p)) {
                problems.add(BootConfig.LOCATIONS + " names " + location + ", which does not exist");
            }
        }
        return problems;
    }

    /**
     * On a chain that is not a local dev chain: every setting that is missing or would use a development key.
     * {@code config} gives the values configured (no defaults), {@code dataDir} is where the dev keys would be.
     */
    public static List<String> devKeyProblems(Function<String, Optional<String>> config, Path dataDir, Files files) {
        List<String> problems = new ArrayList<>();
        if (localDevChain(config)) return problems;
        callerKeys(config, dataDir, problems);
        verifier(config, dataDir, problems);
        chainKeys(config, files, problems);
        return problems;
    }

    private static void callerKeys(Function<String, Optional<String>> config, Path dataDir, List<String> problems) {
        Optional<String> location = config.apply(EmbeddedDefaults.JWT_KEY_LOCATION);
        if (location.isEmpty() && config.apply(EmbeddedDefaults.JWT_KEY).isEmpty()) {
            problems.add(EmbeddedDefaults.JWT_KEY_LOCATION + " is not set: callers' tokens would be checked with the dev key"
                    + " generated under " + dataDir.resolve("keys") + " (set it to the identity provider's JWKS URL, or a PEM or JWKS file)");
        } else if (location.isPresent() && isUnder(location.get(), dataDir.resolve("keys"))) {
            problems.add(EmbeddedDefaults.JWT_KEY_LOCATION + " is the dev key " + location.get()
                    + " (set it to the identity provider's JWKS URL, or a PEM or JWKS file)");
        }
        Optional<String> issuer = config.apply(EmbeddedDefaults.JWT_ISSUER);
        if (issuer.isEmpty() || issuer.get().equals(DevKeys.DEV_ISSUER)) {
            problems.add(EmbeddedDefaults.JWT_ISSUER + " is " + issuer.map(i -> "the dev issuer " + i).orElse("not set")
                    + " (set it to the issuer the identity provider puts in callers' tokens)");
        }
    }

    private static void verifier(Function<String, Optional<String>> config, Path dataDir, List<String> problems) {
        Optional<String> jwks = config.apply(EmbeddedDefaults.VERIFIER_JWKS);
        if (jwks.isEmpty()) {
            problems.add(EmbeddedDefaults.VERIFIER_JWKS + " is not set: the dev verifier (its key under " + dataDir.resolve("keys")
                    + ") would be trusted to verify users (set the trusted verifiers' JWKS files or URLs)");
        } else {
            for (String source : jwks.get().split(",")) {
                if (isUnder(source.trim(), dataDir.resolve("keys"))) {
                    problems.add(EmbeddedDefaults.VERIFIER_JWKS + " lists the dev verifier's JWKS " + source.trim());
                }
            }
        }
        Optional<String> issuer = config.apply(EmbeddedDefaults.VERIFIER_ISSUER);
        if (issuer.isEmpty() || issuer.get().equals(PLACEHOLDER_VERIFIER_ISSUER) || issuer.get().equals(DevVerifier.ISSUER)) {
            problems.add(EmbeddedDefaults.VERIFIER_ISSUER + " is " + issuer.map(i -> i.equals(DevVerifier.ISSUER)
                    ? "the dev verifier's issuer " + i : "the placeholder " + i).orElse("not set (the placeholder "
                    + PLACEHOLDER_VERIFIER_ISSUER + ")") + " (set the trusted verifier's issuer)");
        }
    }

    private static void chainKeys(Function<String, Optional<String>> config, Files files, List<String> problems) {
        long chainId = chainId(config);
        if (flag(config, DEPLOY_TO_RPC)) {
            problems.add(DEPLOY_TO_RPC + " is true: it deploys with the public dev mnemonic's keys, on chain id "
                    + DevAccounts.DEV_CHAIN_ID + " only (this chain: " + chainId + ")");
        }
        for (String contract : List.of(ESCROW, TOKEN)) {
            if (config.apply(contract).isEmpty()) {
                problems.add(contract + " is not set (the deployed contract's address on chain id " + chainId + ")");
            }
        }
        Set<String> devAddresses = devAddresses(config);
        for (String role : List.of("settler", "anchorer", "deployer")) {
            String name = KEYSTORE.formatted(role);
            Optional<String> file = config.apply(name);
            if (file.isEmpty()) {
                // the deployer key only deploys, which a configured chain does not
                if (!role.equals("deployer")) problems.add(name + " is not set (the " + role + "'s web3j wallet file)");
                continue;
            }
            Path path = Path.of(file.get());
            if (!files.exists(path)) {
                problems.add(name + " names " + file.get() + ", which does not exist");
                continue;
            }
            Optional<String> address = files.keystoreAddress(path).map(StartChecks::normalAddress);
            if (address.isPresent() && devAddresses.contains(address.get())) {
                problems.add(name + " holds a key of the public dev mnemonic (0x" + address.get() + ")");
            }
        }
    }

    /** The addresses of the first accounts of the default dev mnemonic and of the configured one. */
    static Set<String> devAddresses(Function<String, Optional<String>> config) {
        Set<String> out = new java.util.HashSet<>();
        for (String mnemonic : new java.util.LinkedHashSet<>(List.of(DevAccounts.DEFAULT_MNEMONIC,
                config.apply(MNEMONIC).orElse(DevAccounts.DEFAULT_MNEMONIC)))) {
            for (int i = 0; i < DEV_ACCOUNTS_CHECKED; i++) {
                out.add(normalAddress(DevAccounts.derive(mnemonic, i).getAddress()));
            }
        }
        return out;
    }

    static String normalAddress(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        return a.startsWith("0x") ? a.substring(2) : a;
    }

    static long chainId(Function<String, Optional<String>> config) {
        String v = config.apply(CHAIN_ID).orElse(Long.toString(DevAccounts.DEV_CHAIN_ID));
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1; // not a dev chain; Quarkus reports the bad number itself
        }
    }

    private static boolean flag(Function<String, Optional<String>> config, String name) {
        return config.apply(name).map(v -> v.trim().equalsIgnoreCase("true")).orElse(false);
    }

    /** Whether a file location (a path or a file: URL) is inside {@code dir}. */
    static boolean isUnder(String location, Path dir) {
        String l = location.trim();
        Path p;
        try {
            p = l.startsWith("file:") ? Path.of(java.net.URI.create(l)) : l.contains("://") ? null : Path.of(l);
        } catch (RuntimeException e) {
            return false;
        }
        return p != null && p.toAbsolutePath().normalize().startsWith(dir.toAbsolutePath().normalize());
    }
}
