package io.microsettle.settlement;

import io.microsettle.infra.Db;
import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.chain.contracts.TestStablecoin;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The settlement and reconcile pipeline on embedded PostgreSQL and a real Anvil, without the REST front:
 * QUEUED cash-outs written to the database are batched, signed, stored, broadcast, mined, read back from
 * the escrow's logs and SETTLED; tokens arrive on chain.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "kind", value = "anvil"))
@Timeout(120)
class SettlementPipelineTest {

    @Inject AgroalDataSource ds;
    @Inject io.microsettle.ledger.LedgerService ledger;

    @Test
    void queuedCashoutsSettleOnChainInOneBatch() throws Exception {
        int n = 5;
        List<String> ids = new ArrayList<>();
        List<String> payees = new ArrayList<>();
        long started = System.nanoTime();
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < n; i++) {
                String payee = TestCashouts.randomAddress();
                payees.add(payee);
                ids.add(new TestCashouts(ds, ledger).queued("pipe" + i, payee, 1_000_000 + i, 10_000));
            }
        });
        Map<String, String> status = waitForStatus(ids, "SETTLED", Duration.ofSeconds(60));
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("pipeline: %d cash-outs QUEUED -> SETTLED in %.1f s%n", n, seconds);
        assertThat(status.values()).containsOnly("SETTLED");

        Web3j web3j = Web3j.build(new HttpService(ChainTestResource.rpcUrl));
        var token = TestStablecoin.load(ChainTestResource.deployment.token(), web3j, DevAccounts.defaults().deployer(), new DefaultGasProvider());
        for (int i = 0; i < n; i++) {
            assertThat(token.balanceOf(payees.get(i)).send()).isEqualTo(BigInteger.valueOf(1_000_000 + i - 10_000));
        }
        var escrow = SettlementEscrow.load(ChainTestResource.deployment.escrow(), web3j, DevAccounts.defaults().deployer(), new DefaultGasProvider());

        List<Object[]> rows = Db.query(ds, "SELECT c.payout_id, c.tx_hash, c.block_number, c.log_index, c.confirmations, b.chain_batch_id, b.status "
                        + "FROM cashouts c JOIN settlement_batches b ON b.id = c.batch_id WHERE c.id = ANY(?) ORDER BY c.payout_id",
                rs -> new Object[] {rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getInt(5), rs.getLong(6), rs.getString(7)},
                (Object) ids.toArray(String[]::new));
        assertThat(rows).hasSize(n);
        assertThat(rows.stream().map(r -> r[5]).distinct()).hasSize(1); // one batch
        assertThat(rows.stream().map(r -> r[1]).distinct()).hasSize(1); // one transaction
        assertThat(rows).allSatisfy(r -> {
            assertThat((String) r[6]).isEqualTo("SETTLED");
            assertThat((int) r[4]).isGreaterThanOrEqualTo(2);
        });
        for (Object[] r : rows) assertThat(escrow.isPayoutSettled(BigInteger.valueOf((long) r[0])).send()).isTrue();
        assertThat(Db.query(ds, "SELECT count(*) FROM chain_logs WHERE event = 'PayoutSettled' AND payout_id = ANY(?)",
                rs -> rs.getLong(1), (Object) rows.stream().mapToLong(r -> (long) r[0]).toArray()).get(0)).isEqualTo(n);
        assertThat(Db.query(ds, "SELECT count(*) FROM discrepancies", rs -> rs.getLong(1)).get(0)).isZero();
        assertThat(Db.query(ds, "SELECT count(*) FROM settlement_txs WHERE status = 'SIGNED'", rs -> rs.getLong(1)).get(0)).isZero();
        web3j.shutdown();
    }

    private Map<String, String> waitForStatus(List<String> ids, String wanted, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Map<String, String> status = Map.of();
        while (System.nanoTime() < deadline) {
            status = QuarkusTransaction.requiringNew().call(() -> {
                Map<String, String> m = new java.util.HashMap<>();
                Db.query(ds, "SELECT id, status FROM cashouts WHERE id = ANY(?)", rs -> m.put(rs.getString(1), rs.getString(2)),
                        (Object) ids.toArray(String[]::new));
                return m;
            });
            if (status.values().stream().allMatch(wanted::equals) && status.size() == ids.size()) return status;
            Thread.sleep(250);
        }
        return status;
    }
}
