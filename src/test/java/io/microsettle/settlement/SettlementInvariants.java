package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditChain;
import io.microsettle.audit.AuditLog;
import io.microsettle.infra.Db;
import io.microsettle.ledger.LedgerCheck;
import io.microsettle.ledger.LedgerService;
import io.microsettle.chain.EscrowEvents;
import io.microsettle.testsupport.DbRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * What must hold after any fault, checked against the chain itself and the database: no payout id
 * and no cash-out paid twice on chain (its PayoutSettled logs), none lost (a SETTLED cash-out is paid
 * exactly once, to its destination, its net amount; a FAILED one never), every cash-out SETTLED or
 * FAILED with exactly one ledger entry ending its hold (SETTLE or RELEASE, matching the status),
 * nothing held on its account and no transaction of its batch left open (to be sent again for ever), the ledger balanced ({@link LedgerCheck}) and the audit chain intact
 * ({@link AuditLog#verify()}). Needs one account per cash-out ({@link TestCashouts} writes them so).
 */
@ApplicationScoped
public class SettlementInvariants {

    @Inject AgroalDataSource ds;
    @Inject LedgerCheck ledgerCheck;
    @Inject LedgerService ledger;
    @Inject AuditLog audit;
    @Inject DbRows rows;

    /** What was checked. */
    public record Report(int cashouts, int settled, int failed, int payoutLogs) {}

    record Row(String id, String status, String accountId, String destination, long net, Long payoutId, String txHash) {}

    /** Asserts the invariants for {@code cashoutIds} (and the whole ledger and audit log) against the chain at {@code web3j}. */
    public Report check(Web3j web3j, String escrow, Collection<String> cashoutIds) throws Exception {
        List<EscrowEvents.PayoutSettled> logs = payoutLogs(web3j, escrow);
        Map<BigInteger, Integer> perPayoutId = new HashMap<>();
        Map<String, List<EscrowEvents.PayoutSettled>> perPayee = new HashMap<>();
        for (EscrowEvents.PayoutSettled p : logs) {
            perPayoutId.merge(p.payoutId(), 1, Integer::sum);
            perPayee.computeIfAbsent(p.payee().toLowerCase(), k -> new ArrayList<>()).add(p);
        }
        perPayoutId.forEach((id, n) -> assertThat(n).as("PayoutSettled logs of payout id %s", id).isEqualTo(1));

        int settled = 0, failed = 0;
        for (String id : cashoutIds) {
            Row c = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> Db.query(ds, "SELECT id, status, account_id, destination, net_base_units, payout_id, tx_hash FROM cashouts WHERE id = ?",
                    rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            (Long) rs.getObject(6), rs.getString(7)), id).get(0));
            assertThat(c.status()).as("cash-out %s", id).isIn("SETTLED", "FAILED");
            List<String> finals = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> Db.query(ds, "SELECT kind FROM ledger_entries WHERE cashout_id = ? AND kind IN ('SETTLE', 'RELEASE')",
                    rs -> rs.getString(1), id));
            assertThat(finals).as("ledger entries ending the hold of %s", id).containsExactly(c.status().equals("SETTLED") ? "SETTLE" : "RELEASE");
            assertThat(ledger.balances(c.accountId()).heldBaseUnits()).as("held on the account of %s", id).isZero();
            long open = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> Db.scalar(ds, "SELECT count(*) FROM settlement_txs t "
                    + "JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ? AND t.status IN ('SIGNED', 'BROADCAST')", id));
            assertThat(open).as("transactions of the batch of %s still to be sent or mined", id).isZero();
            List<EscrowEvents.PayoutSettled> paid = perPayee.getOrDefault(c.destination().toLowerCase(), List.of());
            if (c.status().equals("SETTLED")) {
                settled++;
                assertThat(paid).as("payouts on chain to the destination of %s", id).hasSize(1);
                EscrowEvents.PayoutSettled p = paid.get(0);
                assertThat(p.payoutId()).as("payout id of %s", id).isEqualTo(BigInteger.valueOf(c.payoutId()));
                assertThat(p.netAmount()).as("net paid for %s", id).isEqualTo(BigInteger.valueOf(c.net()));
                assertThat(p.position().txHash()).as("tx of %s", id).isEqualToIgnoringCase(c.txHash());
            } else {
                failed++;
                assertThat(paid).as("payouts on chain to the destination of FAILED %s", id).isEmpty();
            }
        }
        LedgerCheck.Report ledgerReport = ledgerCheck.run();
        assertThat(ledgerReport.ok()).as("ledger check %s", ledgerReport).isTrue();
        rows.awaitAuditSealed();
        AuditChain.Verification v = audit.verify();
        assertThat(v.ok()).as("audit chain %s", v).isTrue();
        return new Report(cashoutIds.size(), settled, failed, logs.size());
    }

    static List<EscrowEvents.PayoutSettled> payoutLogs(Web3j web3j, String escrow) throws Exception {
        long head = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
        EthFilter filter = new EthFilter(new DefaultBlockParameterNumber(0), head < 0 ? DefaultBlockParameterName.LATEST
                : new DefaultBlockParameterNumber(head), escrow);
        filter.addSingleTopic(EscrowEvents.PAYOUT_SETTLED_TOPIC);
        EthLog ethLog = web3j.ethGetLogs(filter).send();
        if (ethLog.hasError()) throw new AssertionError("eth_getLogs: " + ethLog.getError().getMessage());
        List<EscrowEvents.PayoutSettled> out = new ArrayList<>();
        for (EthLog.LogResult<?> lr : ethLog.getLogs()) {
            Log l = (Log) lr.get();
            var pos = new EscrowEvents.LogPosition(l.getBlockNumber().longValueExact(), l.getBlockHash(), l.getTransactionHash(),
                    l.getLogIndex().intValueExact());
            EscrowEvents.decode(pos, l.getTopics(), l.getData()).ifPresent(d -> out.add((EscrowEvents.PayoutSettled) d));
        }
        return out;
    }
}
