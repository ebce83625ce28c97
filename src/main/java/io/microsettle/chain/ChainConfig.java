package io.microsettle.chain;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Typed configuration of the chain feature ({@code microsettle.chain.*}).
 *
 * <p>With no {@code rpc-url}, the service starts a dev chain ({@link DevChain}) from {@code contracts/} and
 * deploys the contracts there ({@link ContractDeployer}), keeping both under {@code data-dir}. With an
 * {@code rpc-url}, {@code escrow-address} and {@code token-address} name the deployed contracts and the keys
 * come from keystore files.
 */
@ConfigMapping(prefix = "microsettle.chain")
public interface ChainConfig {

    /** JSON-RPC endpoint; absent = start a local dev chain. */
    Optional<String> rpcUrl();

    /** Expected chain id (1337 on the dev chains); checked against {@code eth_chainId}. */
    @WithDefault("1337")
    long chainId();

    /** Deployed SettlementEscrow; absent on a dev chain = deploy (or reuse the recorded deployment). */
    Optional<String> escrowAddress();

    /** Deployed token; absent on a dev chain = deploy TestStablecoin. */
    Optional<String> tokenAddress();

    /**
     * Finality, the one setting for it: a block's logs (a settlement's {@code PayoutSettled}) are acted on once the
     * block has this many confirmations, the head block itself having 1 (reconcile follows the chain up to
     * head − confirmations + 1).
     */
    @WithDefault("2")
    int confirmations();

    /** Largest block range per eth_getLogs call (nodes limit it), for every reader of the escrow's logs. */
    @WithDefault("2000")
    int maxBlockRange();

    /** The first block whose escrow logs are read (the escrow's deployment block, or 0). */
    @WithDefault("0")
    long startBlock();

    /** Where the dev chain state and {@code deployment.json} live. */
    @WithDefault("data/chain")
    Path dataDir();

    /** The dev chain, used only when {@code rpc-url} is absent. */
    Dev dev();

    /** Key sources. */
    Keys keys();

    interface Dev {
        /** {@code ganache} (default) or {@code anvil}. */
        @WithDefault("ganache")
        String kind();

        /** 0 = mine a block for every transaction. */
        @WithDefault("0")
        long blockTimeSeconds();

        /** The npm package with node_modules installed. */
        @WithDefault("contracts")
        Path contractsDir();

        @WithDefault("node")
        String nodeExecutable();

        /** 0 = a free loopback port. */
        @WithDefault("0")
        int port();

        @WithDefault("60s")
        Duration startupTimeout();

        /**
         * How often an Anvil dev chain writes its whole state (accounts and the chain's history, about 1.4 MB for each
         * 500-payout batch) to {@code anvil-state.json}; it also does so when stopped gracefully. Each dump costs Anvil
         * CPU in proportion to the history, so a short interval slows a busy chain; a hard kill of Anvil loses at most
         * this much of it. Whole seconds, at least 1.
         */
        @WithDefault("30s")
        Duration anvilStateInterval();

        /** The dev accounts' mnemonic (public; never use it on a real chain). */
        @WithDefault(DevAccounts.DEFAULT_MNEMONIC)
        String mnemonic();

        /**
         * Default-admin transfer delay of the escrow deployed on the dev chain (whole seconds, at most 30 days):
         * short, so the two-step admin transfer can be tried. Deployments elsewhere default to 3 days
         * ({@link EscrowLimits#DEFAULT_ADMIN_DELAY_SECONDS}).
         */
        @WithDefault("60s")
        Duration adminDelay();

        /** Fund the demo integrator (account 2) with tokens and an escrow deposit on first deployment. */
        @WithDefault("true")
        boolean fundDemo();

        /**
         * With an rpc-url and no escrow-address: deploy the contracts to that node with the dev
         * accounts (and fund the demo integrator), as for the service's own dev chain. For a
         * development node that someone else runs (docker-compose's Ganache); refused on any
         * chain id but the dev one.
         */
        @WithDefault("false")
        boolean deployToRpc();

        /**
         * Settler keys (nonce lanes) on the dev chain: account 1 of the mnemonic, and accounts 5, 6, … for
         * more; each is given SETTLER_ROLE at start. More lanes settle more batches at once.
         */
        @WithDefault("1")
        int settlers();
    }

    interface Keys {
        /** Settler key: a web3j wallet (keystore) file; absent on a dev chain = account 1 of the mnemonic. */
        Optional<Path> settlerKeystore();

        Optional<String> settlerPassword();

        /** Anchorer key: a web3j wallet (keystore) file; absent on a dev chain = account 4 of the mnemonic. */
        Optional<Path> anchorerKeystore();

        Optional<String> anchorerPassword();

        /**
         * More settler keys, each a nonce lane of its own (throughput), as keystore files decrypted with
         * {@code settler-password}; keys rotated in through the admin API are read the same way.
         */
        Optional<java.util.List<Path>> extraSettlerKeystores();

        /**
         * Deployer/admin key (DEFAULT_ADMIN_ROLE) for deployments and settler rotation (it grants and
         * revokes SETTLER_ROLE); absent on a dev chain = account 0 of the mnemonic.
         */
        Optional<Path> deployerKeystore();

        Optional<String> deployerPassword();

        /** Pauser key (PAUSER_ROLE) for the admin pause; absent = the deployer/admin key. */
        Optional<Path> pauserKeystore();

        Optional<String> pauserPassword();
    }
}
