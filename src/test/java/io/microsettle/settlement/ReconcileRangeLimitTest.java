package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.infra.CrashPoints;
import io.microsettle.reconcile.ReconcileService;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A range of blocks that holds more payouts than one reconcile transaction settles
 * ({@code microsettle.reconcile.max-payouts-per-range}, 3 here) is cut before the first payout over the limit, and a
 * block that alone holds more is settled whole, in several sets, in one transaction. Two batches of 4 payouts mined
 * in two blocks: read as one range they would be settled in one transaction (at the production limit, a range of
 * more than 10,000 payouts failed every tick and reconcile never moved on). A block's 4 payouts are settled in two
 * parts at once (settle workers 2, at least 2 payouts a part), each part in its own transaction: a crash in one part
 * leaves the other's committed and the cursor where it was, and the next tick settles the rest, each cash-out once.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
                @ResourceArg(name = "microsettle.settlement.max-payouts-per-batch", value = "4"),
                @ResourceArg(name = "microsettle.reconcile.max-payouts-per-range", value = "3"),
                @ResourceArg(name = "microsettle.reconcile.max-ranges-per-tick", value = "1"),
                @ResourceArg(name = "microsettle.reconcile.settle-workers", value = "2"),
                @ResourceArg(name = "microsettle.reconcile.min-payouts-per-settle-part", value = "2")})
@Timeout(180)
class ReconcileRangeLimitTest extends AbstractChainStepsTest {
    @Inject SettlementInvariants invariants;

    @Test
    void aRangeOverThePayoutLimitIsCutAndABlockOverItIsSettledWholeInSets() throws Exception {
        List<String> first = minedBatchOf(4);
        List<String> second = minedBatchOf(4);
        long firstBlock = chain.count("SELECT mined_block FROM settlement_txs WHERE status = 'MINED' AND batch_id = "
                + "(SELECT batch_id FROM cashouts WHERE id = ?)", first.getFirst());
        long secondBlock = chain.count("SELECT mined_block FROM settlement_txs WHERE status = 'MINED' AND batch_id = "
                + "(SELECT batch_id FROM cashouts WHERE id = ?)", second.getFirst());
        assertThat(secondBlock).as("the second batch was sent after the first was mined").isGreaterThan(firstBlock);

        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        List<Integer> settledPerTick = new ArrayList<>();
        long settledAtCrash = -1;
        CrashPoints.arm("reconcile.mid-range");
        try {
            long deadline = System.nanoTime() + 90_000_000_000L;
            while (settled(all) < all.size() && System.nanoTime() < deadline) {
                try {
                    ReconcileService.TickResult r = reconcile.tick();
                    if (r.settled() > 0) settledPerTick.add(r.settled());
                } catch (CrashPoints.Crash crash) {
                    settledAtCrash = settled(all);
                }
                Thread.sleep(200);
            }
        } finally {
            CrashPoints.disarmAll();
        }
        // the first block's two parts: one crashed (rolled back), the other committed
        assertThat(settledAtCrash).isEqualTo(2);
        // one range a tick: the first block's other part, then the second block alone (4 payouts, over the limit of 3),
        // never both blocks in one range
        assertThat(settledPerTick).containsExactly(2, 4);
        assertThat(settled(first)).isEqualTo(4);
        assertThat(settled(second)).isEqualTo(4);
        SettlementInvariants.Report report = invariants.check(chain.web3j, ChainTestResource.deployment.escrow(), all);
        assertThat(report.settled()).isEqualTo(all.size());
        assertThat(chain.count("SELECT count(*) FROM ledger_entries WHERE kind = 'SETTLE' AND cashout_id = ANY(?)",
                (Object) all.toArray(String[]::new))).isEqualTo(all.size());
    }

    /** Queues {@code n} cash-outs and runs settlement (no reconcile) until their one batch's transaction is mined. */
    private List<String> minedBatchOf(int n) throws Exception {
        List<String> ids = queuedCashouts("ranges", n, 2_000_000);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (mined(ids) == 0 && System.nanoTime() < deadline) {
            settlement.tick();
            Thread.sleep(300);
        }
        assertThat(mined(ids)).isEqualTo(1);
        return ids;
    }

    long mined(List<String> ids) {
        return chain.count("SELECT count(DISTINCT t.batch_id) FROM settlement_txs t WHERE t.status = 'MINED' "
                + "AND t.batch_id IN (SELECT batch_id FROM cashouts WHERE id = ANY(?))", (Object) ids.toArray(String[]::new));
    }

    long settled(List<String> ids) {
        return chain.count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED' AND id = ANY(?)", (Object) ids.toArray(String[]::new));
    }
}
