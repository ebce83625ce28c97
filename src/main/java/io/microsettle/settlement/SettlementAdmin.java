package io.microsettle.settlement;

import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ContractDeployer;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Leases;
import io.microsettle.infra.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Operator actions on settlement: pause and unpause (the service's own flag, which every replica
 * reads before batching or broadcasting, and the escrow contract's pause with the PAUSER_ROLE key),
 * and settler rotation (a new key from a keystore is given SETTLER_ROLE and takes new batches; the
 * old key's lane finishes what it sent and its role is revoked once that is final). Chain calls are
 * made with no database transaction open; each change is audited.
 */
@ApplicationScoped
public class SettlementAdmin {
    private static final Logger LOG = Logger.getLogger(SettlementAdmin.class);
    /** Retry-After of 503 chain_unavailable when the contract cannot be paused or a role granted. */
    static final long CHAIN_RETRY_AFTER_SECONDS = 5;

    @Inject
    SettlementStore store;
    @Inject
    ChainClient chain;
    @Inject
    SettlerLanes lanes;
    @Inject
    Leases leases;
    @Inject
    SettlementConfig cfg;

    /** The lease of the replica that retires drained settler keys, by chain id. */
    static final String RETIRER_LEASE = "settler-retirer:";

    /**
     * Stops batching and broadcasting at once (all replicas), then pauses the contract. Idempotent: pausing
     * again keeps the first pause's record (who, when, why, transaction) and only pauses the contract if it
     * is not paused yet (a first attempt whose chain call failed, or an escrow unpaused outside the service).
     */
    public SettlementStore.Control pause(String actor, String reason) {
        Transactions.write("settlement.pause", () -> store.setPaused(true, actor, reason, null));
        String tx = setContractPaused(true);
        if (tx != null) Transactions.write("settlement.pause.recorded", () -> store.contractPauseSent(true, tx, actor));
        return store.control();
    }

    /** Unpauses the contract, then lets batching and broadcasting resume. Idempotent like {@link #pause}. */
    public SettlementStore.Control unpause(String actor, String reason) {
        String tx = setContractPaused(false);
        Transactions.write("settlement.unpause", () -> {
            if (!store.setPaused(false, actor, reason, tx) && tx != null) store.contractPauseSent(false, tx, actor);
        });
        return store.control();
    }

    /** The pause transaction's hash; null when the contract was already so or no pauser key is configured (logged). */
    private String setContractPaused(boolean paused) {
        Optional<Credentials> pauser = chain.pauser();
        try {
            if (chain.escrowCapacity().paused() == paused) return null;
            if (pauser.isEmpty()) {
                LOG.warnf("no pauser key is configured (microsettle.chain.keys.pauser-keystore): the escrow contract is left %s",
                        paused ? "running" : "paused");
                return null;
            }
            return deployer(pauser.get()).setPaused(chain.escrowAddress(), paused);
        } catch (java.io.IOException | RuntimeException e) {
            throw ApiException.unavailable("chain_unavailable", "the escrow could not be " + (paused ? "paused" : "unpaused")
                    + " on chain (" + e.getMessage() + "); settlement is " + (paused ? "paused in the service" : "still paused"),
                    CHAIN_RETRY_AFTER_SECONDS);
        }
    }

    /**
     * Brings in the settler key of {@code keystore} (decrypted with the configured settler password):
     * SETTLER_ROLE granted with the admin key, then ACTIVE for new batches while every other key retires.
     */
    public List<SettlementStore.SettlerKey> rotate(String actor, String keystore) {
        Path file = Path.of(keystore);
        if (!file.isAbsolute() || !Files.isRegularFile(file)) {
            throw ApiException.validation("keystore", "must be the absolute path of a keystore file on the service's host");
        }
        Credentials key;
        try {
            key = chain.loadSettlerKeystore(file);
        } catch (RuntimeException e) {
            throw ApiException.validation("keystore", "cannot be read with the configured settler password: " + e.getMessage());
        }
        requireGasMoney(key.getAddress());
        Credentials admin = chain.admin().orElseThrow(() -> ApiException.conflict("admin_key_missing",
                "settler rotation grants SETTLER_ROLE with the admin key: configure microsettle.chain.keys.deployer-keystore"));
        String roleTx;
        try {
            roleTx = deployer(admin).setRole(chain.escrowAddress(), ContractDeployer.SETTLER_ROLE, key.getAddress(), true);
        } catch (RuntimeException e) {
            throw ApiException.unavailable("chain_unavailable", "SETTLER_ROLE could not be granted: " + e.getMessage(),
                    CHAIN_RETRY_AFTER_SECONDS);
        }
        Transactions.write("settler.rotate", () -> store.rotate(key.getAddress(), chain.chainId(), file.toString(), actor, roleTx));
        return store.settlerKeys(chain.chainId());
    }

    /** A key with no ether cannot pay for a single batch: every broadcast would fail and settlement would stall. */
    private void requireGasMoney(String address) {
        java.math.BigInteger balance;
        try {
            balance = chain.web3j().ethGetBalance(address, org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getBalance();
        } catch (java.io.IOException | RuntimeException e) {
            throw ApiException.unavailable("chain_unavailable", "the new settler's balance could not be read: " + e.getMessage(),
                    CHAIN_RETRY_AFTER_SECONDS);
        }
        if (balance.signum() == 0) {
            throw ApiException.conflict("settler_unfunded", "the new settler key " + address
                    + " holds no ether to pay for gas: fund it before rotating it in");
        }
    }

    /**
     * Revokes SETTLER_ROLE of every RETIRING key whose lane has nothing left in flight; on one replica at a time (the
     * {@code settler-retirer:<chainId>} lease), so two replicas never both send the revocation.
     */
    public void retireDrained() {
        Optional<Credentials> admin = chain.admin();
        if (admin.isEmpty()) return;
        Optional<Leases.Lease> lease = leases.acquire(RETIRER_LEASE + chain.chainId(), Duration.ofMillis(cfg.leaseMillis()));
        if (lease.isEmpty()) return; // another replica retires drained keys
        for (SettlementStore.SettlerKey k : store.settlerKeys(chain.chainId())) {
            if (k.status() != SettlerStatus.RETIRING || !store.laneDrained(k.address())) continue;
            try {
                String tx = deployer(admin.get()).setRole(chain.escrowAddress(), ContractDeployer.SETTLER_ROLE, k.address(), false);
                Transactions.write("settler.retire", () -> {
                    leases.check(lease.get());
                    store.retired(k.address(), chain.chainId(), tx, SettlementStore.ACTOR);
                });
                LOG.infof("settler %s retired (SETTLER_ROLE revoked in %s)", k.address(), tx);
            } catch (RuntimeException e) {
                LOG.warnf("settler %s could not be retired yet: %s", k.address(), e.getMessage());
            }
        }
    }

    private ContractDeployer deployer(Credentials key) {
        return new ContractDeployer(chain.web3j(), key, chain.chainId(), null);
    }
}
