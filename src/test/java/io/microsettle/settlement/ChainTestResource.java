package io.microsettle.settlement;

import io.microsettle.chain.ContractDeployer;
import io.microsettle.chain.Deployment;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.DevChain;
import io.microsettle.chain.EscrowLimits;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * A real dev chain for {@code @QuarkusTest}s: starts Anvil or Ganache (init arg {@code kind}) with interval
 * mining, deploys TestStablecoin + SettlementEscrow, funds the demo funder (dev account 2) in the escrow,
 * and hands the service rpc url, chain id, escrow and token as configuration. Init args: {@code proxy=true} (an
 * {@link io.microsettle.testsupport.RpcProxy} in between), {@code schedulers=off}, {@code blockTimeSeconds},
 * {@code adminKey=true} (the admin key, a deployer keystore, too: for the admin pause and settler rotation),
 * {@code pauser=true} (a pauser keystore), {@code extraSettlers=n} (n more settler keys, dev accounts 5, 6, …, with
 * SETTLER_ROLE and keystores: n more nonce lanes), and any {@code microsettle.*} setting (given to the service as is).
 */
public class ChainTestResource implements QuarkusTestResourceLifecycleManager {

    public static final BigInteger FUNDING_BASE_UNITS = BigInteger.valueOf(1_000_000L).multiply(BigInteger.TEN.pow(6));

    /** What the running test can read (one chain per test class run). */
    public static volatile String rpcUrl;
    public static volatile Deployment deployment;
    /** The JSON-RPC proxy between the service and the chain (init arg {@code proxy=true}), else null. */
    public static volatile io.microsettle.testsupport.RpcProxy proxy;
    /** The directory of the test's keystores (the settler password decrypts a settler key written here). */
    public static volatile Path keysDir;

    private DevChain chain;
    private DevChain.Kind kind = DevChain.Kind.ANVIL;
    private long blockTimeSeconds = 1;
    private boolean schedulers = true;
    private boolean withProxy;
    private boolean adminKey;
    private boolean withPauser;
    private int extraSettlers;
    /** Init args named {@code microsettle.*}: configuration of the test class, over the defaults below. */
    private final Map<String, String> extraConfig = new HashMap<>();

    @Override
    public void init(Map<String, String> initArgs) {
        if (initArgs.containsKey("kind")) kind = DevChain.Kind.parse(initArgs.get("kind"));
        if ("off".equals(initArgs.get("schedulers"))) schedulers = false;
        if (initArgs.containsKey("blockTimeSeconds")) blockTimeSeconds = Long.parseLong(initArgs.get("blockTimeSeconds"));
        withProxy = "true".equals(initArgs.get("proxy"));
        adminKey = "true".equals(initArgs.get("adminKey"));
        withPauser = "true".equals(initArgs.get("pauser"));
        if (initArgs.containsKey("extraSettlers")) extraSettlers = Integer.parseInt(initArgs.get("extraSettlers"));
        initArgs.forEach((k, v) -> {
            if (k.startsWith("microsettle.")) extraConfig.put(k, v);
        });
    }

    @Override
    public Map<String, String> start() {
        try {
            Path base = Path.of("target", "chain-tests");
            Files.createDirectories(base);
            Path dataDir = Files.createTempDirectory(base, "e2e-" + kind.id() + "-");
            chain = DevChain.Options.builder(kind, Path.of("contracts"), dataDir).blockTimeSeconds(blockTimeSeconds).start();
            DevAccounts accounts = DevAccounts.defaults();
            Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
            ContractDeployer deployer = new ContractDeployer(web3j, accounts.deployer(), chain.chainId(), chain.dataDir());
            Deployment d = deployer.deployOrReuse(ContractDeployer.Roles.of(accounts), EscrowLimits.devDefaults());
            deployer.fundFunder(d, accounts.funder(), FUNDING_BASE_UNITS);
            java.util.List<String> extraKeystores = new java.util.ArrayList<>();
            for (int i = 0; i < extraSettlers; i++) {
                org.web3j.crypto.Credentials key = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, DevAccounts.EXTRA_SETTLER_FIRST + i);
                deployer.grantMissingSettlers(d, java.util.List.of(key.getAddress()));
                extraKeystores.add(keystore(dataDir, "settler-" + (i + 2), key).toString());
            }
            web3j.shutdown();
            rpcUrl = chain.rpcUrl();
            deployment = d;
            proxy = withProxy ? io.microsettle.testsupport.RpcProxy.to(chain.rpcUrl()) : null;
            Map<String, String> cfg = new HashMap<>();
            cfg.put("microsettle.chain.rpc-url", proxy != null ? proxy.url() : chain.rpcUrl());
            cfg.put("microsettle.chain.chain-id", Long.toString(chain.chainId()));
            cfg.put("microsettle.chain.escrow-address", d.escrow());
            cfg.put("microsettle.chain.token-address", d.token());
            // with an rpc url the keys come from keystores, as in production
            cfg.put("microsettle.chain.keys.settler-keystore", keystore(dataDir, "settler", accounts.settler()).toString());
            cfg.put("microsettle.chain.keys.settler-password", KEYSTORE_PASSWORD);
            if (!extraKeystores.isEmpty()) cfg.put("microsettle.chain.keys.extra-settler-keystores", String.join(",", extraKeystores));
            cfg.put("microsettle.chain.keys.anchorer-keystore", keystore(dataDir, "anchorer", accounts.anchorer()).toString());
            cfg.put("microsettle.chain.keys.anchorer-password", KEYSTORE_PASSWORD);
            if (adminKey) {
                // the admin key (DEFAULT_ADMIN_ROLE, and the dev deployment's pauser): pause and settler rotation
                cfg.put("microsettle.chain.keys.deployer-keystore", keystore(dataDir, "deployer", accounts.deployer()).toString());
                cfg.put("microsettle.chain.keys.deployer-password", KEYSTORE_PASSWORD);
            }
            keysDir = dataDir.toAbsolutePath();
            if (withPauser) { // the deployer holds PAUSER_ROLE on a dev chain
                cfg.put("microsettle.chain.keys.pauser-keystore", keystore(dataDir, "pauser", accounts.deployer()).toString());
                cfg.put("microsettle.chain.keys.pauser-password", KEYSTORE_PASSWORD);
            }
            cfg.put("microsettle.funding.default-funder", accounts.funder().getAddress());
            cfg.put("microsettle.settlement.interval", "1s");
            cfg.put("microsettle.reconcile.interval", "1s");
            cfg.put("microsettle.chain.confirmations", "2");
            cfg.put("microsettle.settlement.enabled", Boolean.toString(schedulers));
            cfg.put("microsettle.reconcile.enabled", Boolean.toString(schedulers));
            cfg.put("microsettle.settlement.replace-after-blocks", "4");
            cfg.putAll(extraConfig);
            return cfg;
        } catch (Exception e) {
            if (chain != null) chain.close();
            throw new IllegalStateException("dev chain for the test failed: " + e.getMessage(), e);
        }
    }

    static final String KEYSTORE_PASSWORD = "test-only-password";

    /** A web3j wallet file (light scrypt: test only) for a dev key. */
    static Path keystore(Path dir, String name, org.web3j.crypto.Credentials key) throws Exception {
        var wallet = org.web3j.crypto.Wallet.createLight(KEYSTORE_PASSWORD, key.getEcKeyPair());
        Path file = dir.resolve(name + "-keystore.json");
        org.web3j.protocol.ObjectMapperFactory.getObjectMapper().writeValue(file.toFile(), wallet);
        return file.toAbsolutePath();
    }

    @Override
    public void stop() {
        if (proxy != null) proxy.close();
        if (chain != null) chain.close();
    }
}
