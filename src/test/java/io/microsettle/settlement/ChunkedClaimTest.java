package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ContractDeployer;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.EscrowCapacity;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.infra.Db;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * A tick claims its batches in short transactions of {@code claim-chunk-batches} (here 2, one payout a batch, on Anvil
 * with mining stopped): every batch of every chunk is signed and sent, with consecutive nonces; and the chunks share
 * the escrow window's room read at the start of the tick, so together they never plan past it.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
                @ResourceArg(name = "microsettle.settlement.claim-chunk-batches", value = "2"),
                @ResourceArg(name = "microsettle.settlement.max-payouts-per-batch", value = "1")})
@Timeout(120)
class ChunkedClaimTest extends AbstractChainStepsTest {
    static final long GROSS_BASE_UNITS = 2_000_000;
    static final String SETTLER = DevAccounts.defaults().settler().getAddress();

    @Inject
    ChainClient client;

    @Test
    void oneTickClaimsInChunksAndSendsEveryBatchWithConsecutiveNonces() throws Exception {
        List<String> ids = queue(5);
        long firstNonce = chain.pendingNonce(SETTLER);
        stopMining();
        try {
            SettlementService.TickResult r = settlement.tick();

            assertThat(r.batchesCreated()).isEqualTo(5);
            assertThat(inStatus(ids, "QUEUED")).isZero();
            assertThat(chain.pendingNonce(SETTLER) - firstNonce).as("all five sent").isEqualTo(5);
            List<Long> nonces = Db.query(ds, "SELECT b.nonce FROM settlement_batches b JOIN cashouts c ON c.batch_id = b.id "
                    + "WHERE c.id = ANY(?) ORDER BY b.nonce", rs -> rs.getLong(1), (Object) ids.toArray(String[]::new));
            assertThat(nonces).containsExactly(firstNonce, firstNonce + 1, firstNonce + 2, firstNonce + 3, firstNonce + 4);
        } finally {
            resumeMining();
        }
    }

    @Test
    void theChunksOfOneTickShareTheEscrowWindowsRoom() throws Exception {
        EscrowCapacity before = client.escrowCapacity();
        // room for three of the five cash-outs in the window: the first chunk takes two, the second only one
        setWindowCap(before, before.windowVolumeBaseUnits().add(BigInteger.valueOf(3 * GROSS_BASE_UNITS)));
        List<String> ids = queue(5);
        stopMining();
        try {
            assertThat(settlement.tick().batchesCreated()).isEqualTo(3);
            assertThat(inStatus(ids, "BATCHED") + inStatus(ids, "SUBMITTED")).isEqualTo(3);
            assertThat(inStatus(ids, "QUEUED")).isEqualTo(2);
        } finally {
            resumeMining();
            setWindowCap(before, before.windowCapBaseUnits());
        }
        chain.rpc("evm_mine", List.of());
        settlement.tick();
        assertThat(inStatus(ids, "QUEUED")).as("the rest claimed once the cap is back").isZero();
    }

    List<String> queue(int n) {
        return queuedCashouts("chunk", n, GROSS_BASE_UNITS);
    }

    void setWindowCap(EscrowCapacity limits, BigInteger windowCapBaseUnits) throws Exception {
        SettlementEscrow admin = SettlementEscrow.load(client.escrowAddress(), client.web3j(),
                ContractDeployer.transactionManager(client.web3j(), DevAccounts.defaults().deployer(), client.chainId()),
                new DefaultGasProvider());
        assertThat(admin.setLimits(limits.maxPayoutBaseUnits(), limits.maxBatchBaseUnits(), windowCapBaseUnits,
                BigInteger.valueOf(limits.windowDurationSeconds())).send().isStatusOK()).isTrue();
        assertThat(client.escrowCapacity().windowCapBaseUnits()).isEqualTo(windowCapBaseUnits);
    }

    void stopMining() throws Exception {
        chain.rpc("evm_setAutomine", List.of(false));
        chain.rpc("evm_setIntervalMining", List.of(0));
    }

    void resumeMining() throws Exception {
        chain.rpc("evm_setAutomine", List.of(true));
    }

    long inStatus(List<String> ids, String status) {
        return chain.count("SELECT count(*) FROM cashouts WHERE status = ? AND id = ANY(?)", status, ids.toArray(String[]::new));
    }
}
