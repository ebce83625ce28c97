package io.microsettle.chain;

import java.util.Objects;

import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.MnemonicUtils;

/**
 * The dev chain's deterministic accounts (BIP-39 mnemonic, BIP-44 path {@code m/44'/60'/0'/0/i}), with the
 * roles fixed in SPEC.md: 0 deployer/admin, 1 settler, 2 demo funder, 3 treasury, 4 anchorer.
 *
 * <p>For local chains only: these keys are public knowledge.
 */
public record DevAccounts(Credentials deployer, Credentials settler, Credentials funder, Credentials treasury,
                          Credentials anchorer) {

    /** Anvil's default mnemonic, passed to Ganache too. */
    public static final String DEFAULT_MNEMONIC = "test test test test test test test test test test test junk";
    /** Chain id of both dev chains. */
    public static final long DEV_CHAIN_ID = 1337L;

    public static final int DEPLOYER = 0;
    public static final int SETTLER = 1;
    public static final int FUNDER = 2;
    public static final int TREASURY = 3;
    public static final int ANCHORER = 4;
    /** Further dev settler keys (microsettle.chain.dev.settlers > 1) are accounts 5, 6, … */
    public static final int EXTRA_SETTLER_FIRST = 5;

    private static final int HARDENED = 0x80000000;

    public DevAccounts {
        Objects.requireNonNull(deployer);
        Objects.requireNonNull(settler);
        Objects.requireNonNull(funder);
        Objects.requireNonNull(treasury);
        Objects.requireNonNull(anchorer);
    }

    /** The role accounts derived from {@link #DEFAULT_MNEMONIC}. */
    public static DevAccounts defaults() {
        return fromMnemonic(DEFAULT_MNEMONIC);
    }

    /** The role accounts derived from the given mnemonic (no passphrase). */
    public static DevAccounts fromMnemonic(String mnemonic) {
        return new DevAccounts(derive(mnemonic, DEPLOYER), derive(mnemonic, SETTLER), derive(mnemonic, FUNDER),
                derive(mnemonic, TREASURY), derive(mnemonic, ANCHORER));
    }

    /** The key at {@code m/44'/60'/0'/0/index} of the mnemonic (no passphrase). */
    public static Credentials derive(String mnemonic, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index < 0");
        }
        byte[] seed = MnemonicUtils.generateSeed(mnemonic, "");
        Bip32ECKeyPair master = Bip32ECKeyPair.generateKeyPair(seed);
        int[] path = {44 | HARDENED, 60 | HARDENED, HARDENED, 0, index};
        return Credentials.create(Bip32ECKeyPair.deriveKeyPair(master, path));
    }
}
