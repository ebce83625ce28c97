package io.microsettle.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.chain.contracts.TestStablecoin;

import org.jboss.logging.Logger;
import org.web3j.crypto.exception.CipherException;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The service's view of the chain (CDI, application scoped, created on first use).
 *
 * <p>Without {@code microsettle.chain.rpc-url} it starts a {@link DevChain} ({@code microsettle.chain.dev.*})
 * under {@code microsettle.chain.data-dir}, deploys the contracts or reuses the recorded deployment
 * ({@link ContractDeployer}), funds the demo funder (account 2) on first deployment when {@code dev.fund-demo},
 * and uses the dev accounts' keys unless keystores are configured. With an {@code rpc-url} it connects there,
 * checks {@code eth_chainId} against {@code chain-id}, and needs {@code escrow-address}, {@code token-address}
 * and the settler and anchorer keystores. The dev chain stops when the application stops ({@link #close()}) or
 * at JVM exit.
 *
 * <p>All the work is in {@link #connect(ChainConfig)}, plain Java, so tests can use it without CDI.
 */
@ApplicationScoped
public class ChainClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ChainClient.class);
    /** Demo funder's escrow deposit on first deployment: 1,000,000 TUSD (6 decimals). */
    public static final BigInteger DEMO_DEPOSIT = BigInteger.valueOf(1_000_000L).multiply(BigInteger.TEN.pow(6));

    private Web3j web3j;
    private CallGas callGas;
    private DevChain devChain;
    private long chainId;
    private String escrowAddress;
    /** The views' wrapper (stateless for calls: any thread may use it), made on first use. */
    private volatile SettlementEscrow escrowReader;
    private String tokenAddress;
    private int tokenDecimals;
    private Credentials settler;
    private List<Credentials> settlers = List.of();
    private Credentials anchorer;
    private Optional<Credentials> admin = Optional.empty();
    private Optional<Credentials> pauser = Optional.empty();
    private String settlerPassword = "";
    private Optional<Credentials> devFunder = Optional.empty();
    private Optional<Deployment> deployment = Optional.empty();

    /** For CDI proxies only. */
    protected ChainClient() {
    }

    @Inject
    public ChainClient(ChainConfig config) {
        connectInto(this, config);
    }

    /** Connects (and on a dev chain starts, deploys, funds) without CDI. Close the result. */
    public static ChainClient connect(ChainConfig config) {
        ChainClient c = new ChainClient();
        connectInto(c, config);
        return c;
    }

    private static void connectInto(ChainClient c, ChainConfig config) {
        try {
            if (config.rpcUrl().isPresent()) {
                connectRemote(c, config);
            } else {
                startDev(c, config);
            }
            TestStablecoin token = TestStablecoin.load(c.tokenAddress, c.web3j,
                    new ReadonlyTransactionManager(c.web3j, c.settler.getAddress()), new DefaultGasProvider());
            c.tokenDecimals = token.decimals().send().intValueExact();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        } catch (Exception e) {
            c.close();
            throw new IllegalStateException("cannot connect to the chain: " + e.getMessage(), e);
        }
    }

    private static void startDev(ChainClient c, ChainConfig config) {
        ChainConfig.Dev dev = config.dev();
        c.devChain = DevChain.Options.builder(DevChain.Kind.parse(dev.kind()), dev.contractsDir(), config.dataDir())
                .blockTimeSeconds(dev.blockTimeSeconds())
                .chainId(config.chainId())
                .mnemonic(dev.mnemonic())
                .port(dev.port())
                .nodeExecutable(dev.nodeExecutable())
                .startupTimeout(dev.startupTimeout())
                .anvilStateInterval(Math.toIntExact(Math.max(1, dev.anvilStateInterval().toSeconds())))
                .start();
        HttpService rpc = new HttpService(c.devChain.rpcUrl());
        c.web3j = Web3j.build(rpc);
        c.callGas = new CallGas(c.web3j, rpc);
        c.chainId = config.chainId();
        deployDev(c, config, c.devChain.kind().id() + " dev chain at " + c.devChain.rpcUrl());
    }

    /** Deploys (or reuses) the contracts with the dev accounts and funds the demo integrator once. */
    private static void deployDev(ChainClient c, ChainConfig config, String where) {
        ChainConfig.Dev dev = config.dev();
        DevAccounts accounts = DevAccounts.fromMnemonic(dev.mnemonic());
        ChainConfig.Keys keys = config.keys();
        Credentials deployerKey = keystore(keys.deployerKeystore(), keys.deployerPassword()).orElse(accounts.deployer());
        c.settler = keystore(keys.settlerKeystore(), keys.settlerPassword()).orElse(accounts.settler());
        c.anchorer = keystore(keys.anchorerKeystore(), keys.anchorerPassword()).orElse(accounts.anchorer());
        c.admin = Optional.of(deployerKey);
        c.pauser = keystore(keys.pauserKeystore(), keys.pauserPassword()).or(() -> c.admin);
        c.settlerPassword = keys.settlerPassword().orElse("");
        List<Credentials> settlers = new java.util.ArrayList<>(List.of(c.settler));
        for (int i = 1; i < Math.max(1, dev.settlers()); i++) settlers.add(DevAccounts.derive(dev.mnemonic(), DevAccounts.EXTRA_SETTLER_FIRST + i - 1));
        settlers.addAll(extraSettlers(keys));
        c.settlers = List.copyOf(settlers);
        ContractDeployer deployer = new ContractDeployer(c.web3j, deployerKey, c.chainId, config.dataDir());
        ContractDeployer.Roles roles = new ContractDeployer.Roles(accounts.treasury().getAddress(),
                c.settlers.stream().map(Credentials::getAddress).toList(), java.util.List.of(deployerKey.getAddress()),
                java.util.List.of(c.anchorer.getAddress()));
        Deployment d = deployer.deployOrReuse(roles, EscrowLimits.devDefaults().withAdminDelay(dev.adminDelay()));
        if (d.reused()) deployer.grantMissingSettlers(d, roles.settlers());
        if (!d.reused() && dev.fundDemo()) {
            deployer.fundFunder(d, accounts.funder(), DEMO_DEPOSIT);
        }
        c.deployment = Optional.of(d);
        c.escrowAddress = config.escrowAddress().map(Keys::toChecksumAddress).orElse(d.escrow());
        c.tokenAddress = config.tokenAddress().map(Keys::toChecksumAddress).orElse(d.token());
        c.devFunder = Optional.of(accounts.funder());
        LOG.infof("%s (chain id %d): escrow %s, token %s (%s)", where, c.chainId, c.escrowAddress, c.tokenAddress,
                d.reused() ? "reused from " + deployer.recordFile() : "deployed");
    }

    private static void connectRemote(ChainClient c, ChainConfig config) throws IOException {
        String url = config.rpcUrl().orElseThrow();
        HttpService rpc = new HttpService(url);
        c.web3j = Web3j.build(rpc);
        c.callGas = new CallGas(c.web3j, rpc);
        long actual = c.web3j.ethChainId().send().getChainId().longValueExact();
        if (actual != config.chainId()) {
            throw new IllegalStateException("chain id mismatch: " + url + " reports " + actual
                    + ", microsettle.chain.chain-id is " + config.chainId());
        }
        c.chainId = actual;
        if (config.escrowAddress().isEmpty() && config.dev().deployToRpc()) {
            if (actual != DevAccounts.DEV_CHAIN_ID) {
                throw new IllegalStateException("microsettle.chain.dev.deploy-to-rpc deploys with the public dev keys: "
                        + "refused on chain id " + actual + " (only " + DevAccounts.DEV_CHAIN_ID + ")");
            }
            deployDev(c, config, "dev node at " + url);
            return;
        }
        c.escrowAddress = Keys.toChecksumAddress(config.escrowAddress().orElseThrow(() ->
                new IllegalStateException("microsettle.chain.escrow-address is required with an rpc-url")));
        c.tokenAddress = Keys.toChecksumAddress(config.tokenAddress().orElseThrow(() ->
                new IllegalStateException("microsettle.chain.token-address is required with an rpc-url")));
        ChainConfig.Keys keys = config.keys();
        c.settler = keystore(keys.settlerKeystore(), keys.settlerPassword()).orElseThrow(() ->
                new IllegalStateException("microsettle.chain.keys.settler-keystore is required with an rpc-url"));
        c.anchorer = keystore(keys.anchorerKeystore(), keys.anchorerPassword()).orElseThrow(() ->
                new IllegalStateException("microsettle.chain.keys.anchorer-keystore is required with an rpc-url"));
        c.admin = keystore(keys.deployerKeystore(), keys.deployerPassword());
        c.pauser = keystore(keys.pauserKeystore(), keys.pauserPassword()).or(() -> c.admin);
        c.settlerPassword = keys.settlerPassword().orElse("");
        List<Credentials> settlers = new java.util.ArrayList<>(List.of(c.settler));
        settlers.addAll(extraSettlers(keys));
        c.settlers = List.copyOf(settlers);
    }

    private static List<Credentials> extraSettlers(ChainConfig.Keys keys) {
        List<Credentials> out = new java.util.ArrayList<>();
        for (Path p : keys.extraSettlerKeystores().orElse(List.of())) {
            out.add(keystore(Optional.of(p), keys.settlerPassword()).orElseThrow());
        }
        return out;
    }

    /** A settler key rotated in: its keystore file, decrypted with the configured settler password. */
    public Credentials loadSettlerKeystore(Path file) {
        return keystore(Optional.of(file), Optional.of(settlerPassword)).orElseThrow();
    }

    private static Optional<Credentials> keystore(Optional<Path> file, Optional<String> password) {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(WalletUtils.loadCredentials(password.orElse(""), file.get().toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read keystore " + file.get(), e);
        } catch (CipherException e) {
            throw new IllegalStateException("cannot decrypt keystore " + file.get() + ": " + e.getMessage(), e);
        }
    }

    public Web3j web3j() {
        return web3j;
    }

    /** The gas a call uses, for a transaction's gas limit (one simulation where the node can, else an estimate). */
    public CallGas callGas() {
        return callGas;
    }

    public long chainId() {
        return chainId;
    }

    /** SettlementEscrow address, EIP-55. */
    public String escrowAddress() {
        return escrowAddress;
    }

    /** Token address, EIP-55. */
    public String tokenAddress() {
        return tokenAddress;
    }

    public int tokenDecimals() {
        return tokenDecimals;
    }

    public Credentials settler() {
        return settler;
    }

    public Credentials anchorer() {
        return anchorer;
    }

    /** Every configured settler key (the first is {@link #settler()}): one nonce lane each. */
    public List<Credentials> configuredSettlers() {
        return settlers;
    }

    /** The DEFAULT_ADMIN_ROLE key (deployer), when configured (always on a dev chain): grants and revokes SETTLER_ROLE. */
    public Optional<Credentials> admin() {
        return admin;
    }

    /** The PAUSER_ROLE key (else the admin key), when configured. */
    public Optional<Credentials> pauser() {
        return pauser;
    }

    /**
     * The escrow through the generated wrapper, for its views only ({@code eth_call} from the settler's address;
     * this wrapper cannot send a transaction).
     */
    public SettlementEscrow escrowReader() {
        SettlementEscrow r = escrowReader;
        if (r == null) {
            // one wrapper for every caller: web3j builds an ENS resolver with its own HTTP client for each wrapper
            // (seen in the write path's profile, for every escrow balance read)
            r = SettlementEscrow.load(escrowAddress, web3j, new ReadonlyTransactionManager(web3j, settler.getAddress()),
                    new DefaultGasProvider());
            escrowReader = r;
        }
        return r;
    }

    /**
     * The escrow's pause flag, caps and current window at the latest block ({@code settlementCapacity()}), to
     * refuse a batch that is certain to revert before signing it.
     *
     * @throws IOException the node did not answer
     */
    public EscrowCapacity escrowCapacity() throws IOException {
        // the static struct is returned as its nine fields in order; decoded as a flat tuple (the generated
        // wrapper's struct decoding looks classes up reflectively, which fails under some class loaders)
        org.web3j.abi.datatypes.Function f = new org.web3j.abi.datatypes.Function("settlementCapacity", List.of(), List.of(
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.Bool>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {},
                new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {}));
        var call = web3j.ethCall(org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(settler.getAddress(),
                escrowAddress, org.web3j.abi.FunctionEncoder.encode(f)), DefaultBlockParameterName.LATEST).send();
        if (call.hasError()) throw new IOException("settlementCapacity() failed: " + call.getError().getMessage());
        List<org.web3j.abi.datatypes.Type> v = org.web3j.abi.FunctionReturnDecoder.decode(call.getValue(), f.getOutputParameters());
        if (v.size() != 9) throw new IOException("settlementCapacity() returned " + v.size() + " values");
        java.util.function.IntFunction<BigInteger> u = i -> (BigInteger) v.get(i).getValue();
        return new EscrowCapacity((Boolean) v.get(0).getValue(), u.apply(1).intValueExact(), u.apply(2), u.apply(3), u.apply(4),
                u.apply(5).longValueExact(), u.apply(6).longValueExact(), u.apply(7), u.apply(8));
    }

    /** The demo funder's key on a dev chain; empty on a configured RPC endpoint. */
    public Optional<Credentials> devFunder() {
        return devFunder;
    }

    /** The dev chain, when this client started one. */
    public Optional<DevChain> devChain() {
        return Optional.ofNullable(devChain);
    }

    /** The deployment on a dev chain (deployed or reused). */
    public Optional<Deployment> deployment() {
        return deployment;
    }

    /** Stops the web3j client and the dev chain this client started. Idempotent. */
    @Override
    @PreDestroy
    public void close() {
        if (web3j != null) {
            web3j.shutdown();
        }
        if (devChain != null) {
            devChain.close();
        }
    }
}
