package io.microsettle.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.chain.contracts.TestStablecoin;

import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.ContractEIP1559GasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Deploys TestStablecoin and SettlementEscrow, grants the escrow's roles, and records the result as
 * {@code <dataDir>/deployment.json} ({@code chainId, genesisHash, token, escrow, deployedAt}). A later call
 * reuses the record when the chain id and genesis hash match and both addresses have code; otherwise it
 * deploys again and overwrites the record. Plain Java; EIP-1559 transactions signed locally.
 *
 * <pre>{@code
 * ContractDeployer deployer = new ContractDeployer(web3j, accounts.deployer(), chainId, dataDir);
 * Deployment d = deployer.deployOrReuse(ContractDeployer.Roles.of(accounts), EscrowLimits.devDefaults());
 * }</pre>
 */
public final class ContractDeployer {

    /** File name of the record under the data dir. */
    public static final String RECORD_FILE = "deployment.json";

    public static final byte[] SETTLER_ROLE = Hash.sha3("SETTLER_ROLE".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    public static final byte[] PAUSER_ROLE = Hash.sha3("PAUSER_ROLE".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    public static final byte[] ANCHOR_ROLE = Hash.sha3("ANCHOR_ROLE".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /**
     * Who gets what: the admin (the escrow's one default admin; admin and minter of the token) is the deployer's
     * address, since the deployer grants the other roles right after deployment. To hand the escrow's admin role
     * to another key later: {@code beginDefaultAdminTransfer(newAdmin)} by the admin, then
     * {@code acceptDefaultAdminTransfer()} by the new admin once {@link EscrowLimits#adminDelaySeconds()} has
     * passed (cancellable until then).
     */
    public record Roles(String treasury, List<String> settlers, List<String> pausers, List<String> anchorers) {
        public Roles {
            Objects.requireNonNull(treasury, "treasury");
            settlers = List.copyOf(settlers);
            pausers = List.copyOf(pausers);
            anchorers = List.copyOf(anchorers);
        }

        /** SPEC.md's dev roles: settler 1, treasury 3, anchorer 4; the deployer (0) is the pauser. */
        public static Roles of(DevAccounts a) {
            return new Roles(a.treasury().getAddress(), List.of(a.settler().getAddress()),
                    List.of(a.deployer().getAddress()), List.of(a.anchorer().getAddress()));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Web3j web3j;
    private final Credentials deployer;
    private final long chainId;
    private final Path dataDir;
    private final ContractEIP1559GasProvider gasProvider;
    private final TransactionManager txManager;

    public ContractDeployer(Web3j web3j, Credentials deployer, long chainId, Path dataDir) {
        this(web3j, deployer, chainId, dataDir, new Eip1559GasProvider(web3j, chainId));
    }

    public ContractDeployer(Web3j web3j, Credentials deployer, long chainId, Path dataDir,
                            ContractEIP1559GasProvider gasProvider) {
        this.web3j = Objects.requireNonNull(web3j);
        this.deployer = Objects.requireNonNull(deployer);
        this.chainId = chainId;
        this.dataDir = dataDir; // null: role and pause operations only (nothing is recorded)
        this.gasProvider = Objects.requireNonNull(gasProvider);
        this.txManager = transactionManager(web3j, deployer, chainId);
    }

    /** A signing transaction manager that polls for receipts every 100 ms for at most 2 minutes. */
    public static TransactionManager transactionManager(Web3j web3j, Credentials credentials, long chainId) {
        return new RawTransactionManager(web3j, credentials, chainId,
                new PollingTransactionReceiptProcessor(web3j, 100, 1200));
    }

    public Path recordFile() {
        if (dataDir == null) throw new IllegalStateException("no data directory: this deployer only manages roles and the pause");
        return dataDir.resolve(RECORD_FILE);
    }

    /**
     * Returns the recorded deployment if it is still valid on this chain (same chain id and genesis hash, code
     * at both addresses); otherwise deploys both contracts, grants the roles and records the new deployment.
     */
    public Deployment deployOrReuse(Roles roles, EscrowLimits limits) {
        String genesis = genesisHash();
        Optional<Deployment> recorded = readRecord();
        if (recorded.isPresent() && isValid(recorded.get(), genesis)) {
            return recorded.get().asReused();
        }
        return deploy(roles, limits, genesis);
    }

    /** Deploys unconditionally and overwrites the record. */
    public Deployment deploy(Roles roles, EscrowLimits limits) {
        return deploy(roles, limits, genesisHash());
    }

    private Deployment deploy(Roles roles, EscrowLimits limits, String genesis) {
        String admin = deployer.getAddress();
        try {
            TestStablecoin token = TestStablecoin.deploy(web3j, txManager, gasProvider, admin).send();
            SettlementEscrow escrow = SettlementEscrow.deploy(web3j, txManager, gasProvider,
                    token.getContractAddress(), admin, limits.adminDelaySeconds(), roles.treasury(),
                    limits.withdrawalDelaySeconds(), limits.maxPayoutAmount(), limits.maxBatchAmount(),
                    limits.windowCapAmount(), limits.windowDurationSeconds()).send();
            for (String s : roles.settlers()) requireSuccess(escrow.grantRole(SETTLER_ROLE, s).send(), "grant SETTLER_ROLE");
            for (String p : roles.pausers()) requireSuccess(escrow.grantRole(PAUSER_ROLE, p).send(), "grant PAUSER_ROLE");
            for (String a : roles.anchorers()) requireSuccess(escrow.grantRole(ANCHOR_ROLE, a).send(), "grant ANCHOR_ROLE");
            Deployment d = new Deployment(chainId, genesis, Keys.toChecksumAddress(token.getContractAddress()),
                    Keys.toChecksumAddress(escrow.getContractAddress()), Instant.now(), false);
            writeRecord(d);
            return d;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DeploymentException("deployment failed: " + e.getMessage(), e);
        }
    }

    /** A reused dev deployment: grants SETTLER_ROLE to configured settlers that do not have it yet (more dev lanes). */
    public void grantMissingSettlers(Deployment deployment, List<String> settlers) {
        for (String s : settlers) {
            if (!hasRole(deployment.escrow(), SETTLER_ROLE, s)) setRole(deployment.escrow(), SETTLER_ROLE, s, true);
        }
    }

    public boolean hasRole(String escrow, byte[] role, String account) {
        try {
            return SettlementEscrow.load(escrow, web3j, txManager, gasProvider).hasRole(role, account).send();
        } catch (Exception e) {
            throw new DeploymentException("hasRole failed: " + e.getMessage(), e);
        }
    }

    /** Grants or revokes a role with the admin key (this deployer), waiting for the receipt; returns the transaction hash. */
    public String setRole(String escrow, byte[] role, String account, boolean grant) {
        try {
            SettlementEscrow e = SettlementEscrow.load(escrow, web3j, txManager, gasProvider);
            TransactionReceipt r = grant ? e.grantRole(role, account).send() : e.revokeRole(role, account).send();
            requireSuccess(r, grant ? "grant role" : "revoke role");
            return r.getTransactionHash();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DeploymentException((grant ? "grant" : "revoke") + " role failed: " + e.getMessage(), e);
        }
    }

    /** Pauses or unpauses the escrow with this key (PAUSER_ROLE), waiting for the receipt; returns the transaction hash. */
    public String setPaused(String escrow, boolean paused) {
        try {
            SettlementEscrow e = SettlementEscrow.load(escrow, web3j, txManager, gasProvider);
            TransactionReceipt r = paused ? e.pause().send() : e.unpause().send();
            requireSuccess(r, paused ? "pause" : "unpause");
            return r.getTransactionHash();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DeploymentException((paused ? "pause" : "unpause") + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Dev chains: mints {@code amount} of the test token to the funder (signed by the deployer, the token's
     * minter), approves the escrow and deposits it into the funder's escrow balance (signed by the funder).
     * Skipped, returning false, when the funder already has an escrow balance of at least {@code amount}.
     */
    public boolean fundFunder(Deployment deployment, Credentials funder, BigInteger amount) {
        try {
            SettlementEscrow escrowAsFunder = SettlementEscrow.load(deployment.escrow(), web3j,
                    transactionManager(web3j, funder, chainId), gasProvider);
            if (escrowAsFunder.funderBalance(funder.getAddress()).send().compareTo(amount) >= 0) {
                return false;
            }
            TestStablecoin tokenAsMinter = TestStablecoin.load(deployment.token(), web3j, txManager, gasProvider);
            requireSuccess(tokenAsMinter.mint(funder.getAddress(), amount).send(), "mint");
            TestStablecoin tokenAsFunder = TestStablecoin.load(deployment.token(), web3j,
                    transactionManager(web3j, funder, chainId), gasProvider);
            requireSuccess(tokenAsFunder.approve(deployment.escrow(), amount).send(), "approve");
            requireSuccess(escrowAsFunder.deposit(amount).send(), "deposit");
            return true;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DeploymentException("funding " + funder.getAddress() + " failed: " + e.getMessage(), e);
        }
    }

    private static void requireSuccess(TransactionReceipt r, String what) throws TransactionException {
        if (!r.isStatusOK()) {
            throw new TransactionException(what + " reverted in tx " + r.getTransactionHash(), r);
        }
    }

    /** True when the record matches this chain and both contracts have code. */
    public boolean isValid(Deployment d, String genesisHash) {
        return d.chainId() == chainId
                && d.genesisHash() != null && d.genesisHash().equalsIgnoreCase(genesisHash)
                && hasCode(d.token()) && hasCode(d.escrow());
    }

    /** Whether {@code eth_getCode} at the latest block is non-empty. */
    public boolean hasCode(String address) {
        try {
            String code = web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send().getCode();
            return code != null && !code.isEmpty() && !code.equals("0x") && !code.equals("0x0");
        } catch (IOException e) {
            throw new UncheckedIOException("eth_getCode failed for " + address, e);
        }
    }

    /** Hash of block 0. */
    public String genesisHash() {
        try {
            var block = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.ZERO), false).send().getBlock();
            if (block == null) {
                throw new DeploymentException("the chain has no block 0", null);
            }
            return block.getHash();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the genesis block", e);
        }
    }

    /** The recorded deployment, if the record exists and parses. */
    public Optional<Deployment> readRecord() {
        Path file = recordFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            return Optional.of(new Deployment(n.path("chainId").asLong(), n.path("genesisHash").asText(null),
                    n.path("token").asText(null), n.path("escrow").asText(null),
                    Instant.parse(n.path("deployedAt").asText()), false));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void writeRecord(Deployment d) throws IOException {
        Files.createDirectories(dataDir);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chainId", d.chainId());
        m.put("genesisHash", d.genesisHash());
        m.put("token", d.token());
        m.put("escrow", d.escrow());
        m.put("deployedAt", d.deployedAt().toString());
        Path tmp = dataDir.resolve(RECORD_FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), m);
        Files.move(tmp, recordFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deployment failed (a transaction reverted or the node refused it). */
    public static final class DeploymentException extends RuntimeException {
        public DeploymentException(String message, Throwable cause) {
            super(message, cause);
        }
    }

}
