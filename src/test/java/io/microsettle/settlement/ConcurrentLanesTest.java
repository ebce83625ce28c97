package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.chain.DevAccounts;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two settler keys on Anvil, their lanes passed over at once in each tick (lane workers), each lane's batches estimated
 * and signed at once (sign workers) and stored together: every cash-out is settled exactly once (the chain's payout
 * logs), both lanes settled batches, and each lane's stored transactions and batches hold consecutive nonces from the
 * lane's first, one settleBatch a nonce, the chain having consumed them all.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
                @ResourceArg(name = "extraSettlers", value = "1"),
                @ResourceArg(name = "microsettle.settlement.max-payouts-per-batch", value = "2"),
                @ResourceArg(name = "microsettle.settlement.max-cashouts-per-tick", value = "6"),
                @ResourceArg(name = "microsettle.settlement.sign-workers", value = "3")})
@Timeout(180)
class ConcurrentLanesTest extends AbstractChainStepsTest {
    @Inject SettlementInvariants invariants;

    @Test
    void twoLanesPassedOverAtOnceSettleEveryCashoutOnceWithGapFreeNoncesPerLane() throws Exception {
        List<String> ids = queuedCashouts("lanes", 24, 2_000_000);
        // each lane claims at most 6 cash-outs (3 batches) a tick, so the first tick gives both lanes batches
        SettlementService.TickResult first = settlement.tick();
        assertThat(first.batchesCreated()).isEqualTo(6);
        // until every cash-out is SETTLED and every transaction of theirs seen mined (receipts are checked a few blocks on)
        assertThat(chain.runUntil(settlement, reconcile, () -> settled(ids) == ids.size() && open(ids) == 0)).isTrue();

        SettlementInvariants.Report report = invariants.check(chain.web3j, ChainTestResource.deployment.escrow(), ids);
        assertThat(report.settled()).isEqualTo(ids.size());
        Map<String, List<Long>> batchNonces = noncesByLane("SELECT from_address, nonce FROM settlement_batches WHERE status = 'SETTLED' "
                + "AND id IN (SELECT batch_id FROM cashouts WHERE id = ANY(?)) ORDER BY from_address, nonce", ids);
        Map<String, List<Long>> txNonces = noncesByLane("SELECT t.from_address, t.nonce FROM settlement_txs t WHERE t.kind = 'SETTLE' "
                + "AND t.batch_id IN (SELECT batch_id FROM cashouts WHERE id = ANY(?)) ORDER BY t.from_address, t.nonce", ids);
        String second = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, DevAccounts.EXTRA_SETTLER_FIRST).getAddress().toLowerCase(Locale.ROOT);
        assertThat(batchNonces.keySet()).containsExactlyInAnyOrder(DevAccounts.defaults().settler().getAddress().toLowerCase(Locale.ROOT),
                second);
        assertThat(txNonces).isEqualTo(batchNonces);
        for (var lane : batchNonces.entrySet()) {
            List<Long> nonces = lane.getValue();
            for (int i = 1; i < nonces.size(); i++) assertThat(nonces.get(i)).as(lane.getKey()).isEqualTo(nonces.get(i - 1) + 1);
            assertThat(chain.pendingNonce(lane.getKey())).as(lane.getKey()).isEqualTo(nonces.getLast() + 1);
        }
        assertThat(batchNonces.values().stream().mapToInt(List::size).sum()).isEqualTo(ids.size() / 2);
    }

    @Test
    void aBatchWhoseSignatureFailsMidPassIsSignedNextPassAndNothingAboveItIsStoredBeforeIt() throws Exception {
        String lane = DevAccounts.defaults().settler().getAddress().toLowerCase(Locale.ROOT);
        assertThat(chain.runUntil(settlement, reconcile, () -> openOnLane(lane) == 0)).isTrue();
        long first = chain.pendingNonce(lane);
        List<String> ids = queuedCashouts("lanes-sign", 12, 2_000_000);
        // the lane's second batch of the pass fails to sign; its first and third are signed (the sign workers run at once)
        CrashPoints.arm("settlement.sign:" + lane + ":" + (first + 1));
        try {
            assertThat(settlement.createBatches()).isEqualTo(6);
            assertThat(CrashPoints.armed("settlement.sign:" + lane + ":" + (first + 1))).as("the signature failed").isFalse();
        } finally {
            CrashPoints.disarmAll();
        }
        assertThat(chain.count("SELECT count(*) FROM settlement_batches WHERE from_address = ? AND nonce BETWEEN ? AND ?", lane, first,
                first + 2)).isEqualTo(3);
        // stored: the first only; the third, signed, is not stored above the gap the second left
        assertThat(chain.count("SELECT count(*) FROM settlement_txs WHERE from_address = ? AND nonce = ?", lane, first)).isEqualTo(1);
        assertThat(chain.count("SELECT count(*) FROM settlement_txs WHERE from_address = ? AND nonce > ?", lane, first)).isZero();

        assertThat(chain.runUntil(settlement, reconcile, () -> settled(ids) == ids.size() && open(ids) == 0)).isTrue();
        SettlementInvariants.Report report = invariants.check(chain.web3j, ChainTestResource.deployment.escrow(), ids);
        assertThat(report.settled()).isEqualTo(ids.size());
        Map<String, List<Long>> txNonces = noncesByLane("SELECT t.from_address, t.nonce FROM settlement_txs t WHERE t.kind = 'SETTLE' "
                + "AND t.batch_id IN (SELECT batch_id FROM cashouts WHERE id = ANY(?)) ORDER BY t.from_address, t.nonce", ids);
        assertThat(txNonces.get(lane)).startsWith(first, first + 1, first + 2);
        for (var l : txNonces.entrySet()) {
            for (int i = 1; i < l.getValue().size(); i++) assertThat(l.getValue().get(i)).as(l.getKey()).isEqualTo(l.getValue().get(i - 1) + 1);
        }
    }

    long openOnLane(String lane) {
        return chain.count("SELECT count(*) FROM settlement_txs WHERE from_address = ? AND status IN ('SIGNED', 'BROADCAST')", lane)
                + chain.count("SELECT count(*) FROM cashouts WHERE status IN ('QUEUED', 'BATCHED')");
    }

    long settled(List<String> ids) {
        return chain.count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED' AND id = ANY(?)", (Object) ids.toArray(String[]::new));
    }

    long open(List<String> ids) {
        return chain.count("SELECT count(*) FROM settlement_txs WHERE status IN ('SIGNED', 'BROADCAST') "
                + "AND batch_id IN (SELECT batch_id FROM cashouts WHERE id = ANY(?))", (Object) ids.toArray(String[]::new));
    }

    Map<String, List<Long>> noncesByLane(String sql, List<String> ids) {
        Map<String, List<Long>> out = new TreeMap<>();
        QuarkusTransaction.requiringNew().run(() -> Db.query(ds, sql, rs -> out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                .add(rs.getLong(2)), (Object) ids.toArray(String[]::new)));
        return out;
    }
}
