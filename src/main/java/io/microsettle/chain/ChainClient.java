package io.microsettle.chain;

import io.quarkus.runtime.ShutdownEvent;
import io.microsettle.account.Addresses;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.crypto.exception.CipherException;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The service's view of the chain: a web3j client on {@code microsettle.chain.rpc-url}, the escrow and token
 * addresses, and the settler/anchorer keys. With no rpc-url it starts a dev chain ({@link DevChain}),
 * deploys or reuses the contracts ({@link ContractDeployer}) and funds the demo funder. Keys come from
 * keystore files when configured, else (chain id 1337 only) from the dev mnemonic.
 */
@ApplicationScoped
public class ChainClient {
    private static final Logger LOG = Logger.getLogger(ChainClient.class);

    @Inject ChainConfig cfg;

    private DevChain devChain;
    private volatile Web3j web3j;
    private volatile String escrow;
    private String token;
    private Credentials settler;
    private Credentials anchorer;
    private Credentials devFunder;

    /**
     * Connects at startup when an rpc url is configured or (outside tests) to start the dev chain; in tests
     * without an rpc url nothing starts until web3j() or a key is asked for.
     */
    void onStart(@Observes StartupEvent ev) {
        if (cfg.rpcUrl().isPresent() || LaunchMode.current() != LaunchMode.TEST) ensureStarted();
    }

    /** True once connected (schedulers that talk to the chain wait for this). */
    public boolean isReady() {
        return web3j != null && escrow != null;
    }

    private synchronized void ensureStarted() {
        if (web3j != null) return;
        if (cfg.rpcUrl().isEmpty() && LaunchMode.current() == LaunchMode.TEST)
            throw new IllegalStateException("no chain in this test: set microsettle.chain.rpc-url (see ChainTestResource)");
        init();
    }

    private void init() {
        DevAccounts dev = DevAccounts.fromMnemonic(cfg.dev().mnemonic());
        String rpc;
        if (cfg.rpcUrl().isPresent()) {
            rpc = cfg.rpcUrl().get();
        } else {
            devChain = DevChain.Options.builder(DevChain.Kind.parse(cfg.dev().kind()), cfg.dev().contractsDir(), cfg.dataDir())
                    .blockTimeSeconds(cfg.dev().blockTimeSeconds()).chainId(cfg.chainId()).mnemonic(cfg.dev().mnemonic())
                    .port(cfg.dev().port()).nodeExecutable(cfg.dev().nodeExecutable()).startupTimeout(cfg.dev().startupTimeout())
                    .start();
            rpc = devChain.rpcUrl();
        }
        Web3j client = Web3j.build(new HttpService(rpc));
        long actual = chainIdFromNode(client);
        if (actual != cfg.chainId()) throw new IllegalStateException("chain id " + actual + " at the rpc url, expected " + cfg.chainId());
        boolean devKeys = cfg.chainId() == DevAccounts.DEV_CHAIN_ID;
        settler = key(cfg.keys().settlerKeystore(), cfg.keys().settlerPassword(), devKeys ? dev.settler() : null, "settler");
        anchorer = key(cfg.keys().anchorerKeystore(), cfg.keys().anchorerPassword(), devKeys ? dev.anchorer() : null, "anchorer");
        devFunder = devKeys ? dev.funder() : null;
        if (cfg.escrowAddress().isPresent() && cfg.tokenAddress().isPresent()) {
            escrow = Keys.toChecksumAddress(cfg.escrowAddress().get());
            token = Keys.toChecksumAddress(cfg.tokenAddress().get());
        } else if (devKeys) {
            Credentials deployerKey = key(cfg.keys().deployerKeystore(), cfg.keys().deployerPassword(), dev.deployer(), "deployer");
            ContractDeployer deployer = new ContractDeployer(client, deployerKey, cfg.chainId(), cfg.dataDir());
            Deployment d = deployer.deployOrReuse(ContractDeployer.Roles.of(dev), EscrowLimits.devDefaults());
            if (cfg.dev().fundDemo()) deployer.fundFunder(d, dev.funder(), BigInteger.valueOf(1_000_000_000_000L));
            escrow = d.escrow();
            token = d.token();
        } else {
            throw new IllegalStateException("microsettle.chain.escrow-address and token-address are required on chain " + cfg.chainId());
        }
        web3j = client;
        LOG.infof("chain %d at %s: escrow %s, token %s, settler %s", cfg.chainId(), rpc, escrow, token, settler.getAddress());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (web3j != null) web3j.shutdown();
        if (devChain != null) devChain.close();
    }

    private static long chainIdFromNode(Web3j web3j) {
        try {
            return web3j.ethChainId().send().getChainId().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_chainId failed: " + e.getMessage(), e);
        }
    }

    private static Credentials key(Optional<Path> keystore, Optional<String> password, Credentials fallback, String role) {
        if (keystore.isPresent()) {
            try {
                return WalletUtils.loadCredentials(password.orElse(""), keystore.get().toFile());
            } catch (IOException | CipherException e) {
                throw new IllegalStateException("cannot load the " + role + " keystore: " + e.getMessage(), e);
            }
        }
        if (fallback == null) throw new IllegalStateException("no " + role + " key configured (microsettle.chain.keys)");
        return fallback;
    }

    public Web3j web3j() { ensureStarted(); return web3j; }
    public long chainId() { return cfg.chainId(); }

    /** The escrow (EIP-55): from configuration when given (no chain access), else from the deployment. */
    public String escrowAddress() {
        if (cfg.escrowAddress().isPresent()) return Keys.toChecksumAddress(cfg.escrowAddress().get());
        if (noChainInTest()) return Addresses.ZERO;
        ensureStarted();
        return escrow;
    }

    public String tokenAddress() {
        if (cfg.tokenAddress().isPresent()) return Keys.toChecksumAddress(cfg.tokenAddress().get());
        if (noChainInTest()) return Addresses.ZERO;
        ensureStarted();
        return token;
    }

    /** TestStablecoin and the usual USD stablecoins: 6. */
    public int tokenDecimals() { return 6; }

    private boolean noChainInTest() {
        return web3j == null && cfg.rpcUrl().isEmpty() && LaunchMode.current() == LaunchMode.TEST;
    }
    public Credentials settler() { ensureStarted(); return settler; }
    public Credentials anchorer() { ensureStarted(); return anchorer; }
    public Optional<Credentials> devFunder() { ensureStarted(); return Optional.ofNullable(devFunder); }
    public Optional<String> rpcUrl() { return devChain != null ? Optional.of(devChain.rpcUrl()) : cfg.rpcUrl(); }
}
