package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.chain.DevAccounts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A lane keeps at most {@code max-in-flight-per-lane} of its transactions unmined at the node (here 2, one payout
 * a batch, on Anvil with mining stopped): a tick claims only what fits, the rest of the queue waits, and once a
 * block is mined the next tick claims again; a scheduled run whose lane used up its room ticks again as soon as the next
 * block is mined.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
                @ResourceArg(name = "microsettle.settlement.max-in-flight-per-lane", value = "2"),
                @ResourceArg(name = "microsettle.settlement.max-payouts-per-batch", value = "1")})
@Timeout(120)
class InFlightLimitTest extends AbstractChainStepsTest {
    @Inject SettlementScheduler scheduler;

    @Test
    void aLaneClaimsNoMoreThanItsUnminedTransactionsAllowAndResumesOnceABlockIsMined() throws Exception {
        List<String> ids = queuedCashouts("inflight", 5, 2_000_000);
        String settler = DevAccounts.defaults().settler().getAddress();
        chain.rpc("evm_setAutomine", List.of(false));
        chain.rpc("evm_setIntervalMining", List.of(0));
        try {
            assertThat(settlement.tick().bound()).isEqualTo(ClaimBound.IN_FLIGHT);
            assertThat(unmined(settler)).isEqualTo(2);
            assertThat(queued(ids)).isEqualTo(3);

            assertThat(settlement.tick().bound()).isEqualTo(ClaimBound.IN_FLIGHT); // nothing mined: no room
            assertThat(unmined(settler)).isEqualTo(2);
            assertThat(queued(ids)).isEqualTo(3);

            chain.rpc("evm_mine", List.of());
            settlement.tick();
            assertThat(unmined(settler)).isEqualTo(2);
            assertThat(queued(ids)).isEqualTo(1);
            chain.rpc("evm_mine", List.of());
            assertThat(settlement.tick().bound()).isEqualTo(ClaimBound.QUEUE); // the last one, in a room of two
            assertThat(queued(ids)).isZero();
            assertThat(unmined(settler)).isEqualTo(1);
        } finally {
            chain.rpc("evm_setAutomine", List.of(true));
        }
    }

    @Test
    void aRunCutShortByTheInFlightRoomTicksAgainOnceTheNextBlockIsMinedNotAtTheNextInterval() throws Exception {
        List<String> ids = queuedCashouts("inflight-run", 5, 2_000_000);
        chain.rpc("evm_setAutomine", List.of(false));
        chain.rpc("evm_setIntervalMining", List.of(1));
        try {
            // one scheduled run: 2 batches, the next block, 2 more, the next block, the last one (the queue ran dry)
            int ticks = scheduler.runTicks();
            assertThat(queued(ids)).isZero();
            assertThat(ticks).isBetween(3, SettlementScheduler.MAX_TICKS_PER_RUN);
        } finally {
            chain.rpc("evm_setIntervalMining", List.of(0));
            chain.rpc("evm_setAutomine", List.of(true));
        }
    }

    /** Whatever a failing test left QUEUED is sent here, so that the other test starts from an empty queue. */
    @AfterEach
    void drainTheQueue() throws Exception {
        chain.rpc("evm_setIntervalMining", List.of(0));
        chain.rpc("evm_setAutomine", List.of(true));
        for (int tick = 0; tick < 20 && chain.count("SELECT count(*) FROM cashouts WHERE status = 'QUEUED'") > 0; tick++) {
            settlement.tick();
        }
    }

    long unmined(String address) throws Exception {
        return chain.pendingNonce(address) - chain.web3j.ethGetTransactionCount(address,
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getTransactionCount().longValueExact();
    }

    long queued(List<String> ids) {
        return chain.count("SELECT count(*) FROM cashouts WHERE status = 'QUEUED' AND id = ANY(?)", (Object) ids.toArray(String[]::new));
    }
}
