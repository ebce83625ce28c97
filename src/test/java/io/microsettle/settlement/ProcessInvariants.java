package io.microsettle.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.EscrowEvents;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.SharedBackends;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

import java.math.BigInteger;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.microsettle.testsupport.ServiceClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SettlementInvariants} for tests whose service runs as child processes ({@link SharedBackends}): read from the
 * shared database, the chain's PayoutSettled logs and the service's own ledger check and audit verification over HTTP.
 */
final class ProcessInvariants {
    static final long TUSD = 1_000_000;
    static final Set<String> FINAL = Set.of("SETTLED", "FAILED");

    private ProcessInvariants() {}

    /** One cash-out as the database has it. */
    record Cashout(String id, String status, String accountId, Long payoutId, String txHash, long netBaseUnits) {}

    /** What was checked. */
    record Report(int cashouts, int settled, int failed, int payoutLogs) {}

    /**
     * Funded, verified accounts (one per cash-out) made first, then their cash-outs requested all at once (the service
     * may halt while they come in: a request cut off by the halt is not counted; whatever it stored is checked with the rest).
     * Returns the ids of the cash-outs the service accepted.
     */
    static List<String> cashouts(ServiceClient client, int count) throws Exception {
        String demo = client.token("demo", "integrator");
        List<ServiceClient.Account> accounts = new ArrayList<>();
        for (int i = 0; i < count; i++) accounts.add(client.fundedAccount(demo, 10 * TUSD));
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<ServiceClient.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServiceClient.Account a = accounts.get(i);
                long amount = (2 + i % 3) * TUSD;
                replies.add(pool.submit(() -> client.cashout(demo, a, amount)));
            }
            List<String> ids = new ArrayList<>();
            for (Future<ServiceClient.Reply> f : replies) {
                try {
                    ServiceClient.Reply r = f.get(120, TimeUnit.SECONDS);
                    if (r.status() == 201) ids.add(r.body().get("id").asText());
                } catch (java.util.concurrent.ExecutionException cutOff) {
                    // the connection ended with the process
                }
            }
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }

    static List<Cashout> all(SharedBackends backends) throws Exception {
        List<Cashout> out = new ArrayList<>();
        try (Connection c = backends.connect(); var rs = c.createStatement().executeQuery(
                "SELECT id, status, account_id, payout_id, tx_hash, net_base_units FROM cashouts ORDER BY id")) {
            while (rs.next()) {
                out.add(new Cashout(rs.getString(1), rs.getString(2), rs.getString(3), (Long) rs.getObject(4, Long.class),
                        rs.getString(5), rs.getLong(6)));
            }
        }
        return out;
    }

    /** Stored settlement transactions still to be sent or mined (SIGNED or BROADCAST): id → status. */
    static Map<String, String> openTransactions(SharedBackends backends) throws Exception {
        Map<String, String> open = new TreeMap<>();
        try (Connection c = backends.connect(); var rs = c.createStatement().executeQuery(
                "SELECT id, status FROM settlement_txs WHERE status IN ('SIGNED', 'BROADCAST') ORDER BY id")) {
            while (rs.next()) open.put(rs.getString(1), rs.getString(2));
        }
        return open;
    }

    /**
     * Waits (at most {@code max}) until every cash-out in the database is SETTLED or FAILED and no stored transaction
     * is left to be sent or mined (settlement has seen its receipt too); returns the cash-outs.
     */
    static List<Cashout> awaitAllFinal(SharedBackends backends, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        List<Cashout> now = all(backends);
        Map<String, String> txs = openTransactions(backends);
        while (System.nanoTime() < deadline) {
            now = all(backends);
            txs = openTransactions(backends);
            if (now.stream().allMatch(c -> FINAL.contains(c.status())) && txs.isEmpty()) return now;
            Thread.sleep(500);
        }
        Map<String, String> open = new TreeMap<>();
        now.stream().filter(c -> !FINAL.contains(c.status())).forEach(c -> open.put(c.id(), c.status()));
        throw new AssertionError("within " + max.toSeconds() + " s: cash-outs not SETTLED or FAILED " + open
                + ", transactions still open " + txs);
    }

    /**
     * Every cash-out of the database SETTLED or FAILED, with exactly one ledger entry ending its hold (SETTLE or
     * RELEASE, matching) and nothing held on its account, no stored transaction left to be sent or mined; each payout id paid at most once on chain, a SETTLED cash-out
     * exactly once (its net amount, its transaction), a FAILED one never; the ledger check and the audit chain ok.
     */
    static Report check(SharedBackends backends, ServiceClient client, String escrow) throws Exception {
        List<EscrowEvents.PayoutSettled> logs;
        Web3j web3j = Web3j.build(new HttpService(backends.chain.rpcUrl()));
        try {
            logs = SettlementInvariants.payoutLogs(web3j, escrow);
        } finally {
            web3j.shutdown();
        }
        Map<BigInteger, List<EscrowEvents.PayoutSettled>> perPayoutId = new HashMap<>();
        for (EscrowEvents.PayoutSettled p : logs) perPayoutId.computeIfAbsent(p.payoutId(), k -> new ArrayList<>()).add(p);
        perPayoutId.forEach((id, paid) -> assertThat(paid).as("PayoutSettled logs of payout id %s", id).hasSize(1));

        String integrator = client.token("demo", "integrator");
        int settled = 0, failed = 0;
        List<Cashout> all = all(backends);
        for (Cashout c : all) {
            assertThat(c.status()).as("cash-out %s", c.id()).isIn(FINAL);
            assertThat(finalEntries(backends, c.id())).as("ledger entries ending the hold of %s", c.id())
                    .containsExactly(c.status().equals("SETTLED") ? "SETTLE" : "RELEASE");
            JsonNode account = expect(client.get(integrator, "/v1/accounts/" + c.accountId()), 200).body();
            assertThat(account.path("balances").path("held").asText()).as("held on the account of %s: %s", c.id(), account).isEqualTo("0");
            List<EscrowEvents.PayoutSettled> paid = c.payoutId() == null ? List.of()
                    : perPayoutId.getOrDefault(BigInteger.valueOf(c.payoutId()), List.of());
            if (c.status().equals("SETTLED")) {
                settled++;
                assertThat(paid).as("payouts on chain of SETTLED %s", c.id()).hasSize(1);
                assertThat(paid.getFirst().netAmount()).as("net paid for %s", c.id()).isEqualTo(BigInteger.valueOf(c.netBaseUnits()));
                assertThat(paid.getFirst().position().txHash()).as("tx of %s", c.id()).isEqualToIgnoringCase(c.txHash());
            } else {
                failed++;
                assertThat(paid).as("payouts on chain of FAILED %s", c.id()).isEmpty();
            }
        }
        assertThat(openTransactions(backends)).as("stored transactions still to be sent or mined").isEmpty();
        String auditor = client.token("auditor-" + UUID.randomUUID(), "auditor");
        JsonNode ledger = expect(client.get(auditor, "/v1/audit/ledger-check"), 200).body();
        assertThat(ledger.path("ok").asBoolean()).as("ledger check %s", ledger).isTrue();
        JsonNode verify = expect(client.get(auditor, "/v1/audit/verify"), 200).body();
        assertThat(verify.path("ok").asBoolean()).as("audit verify %s", verify).isTrue();
        return new Report(all.size(), settled, failed, logs.size());
    }

    static List<String> finalEntries(SharedBackends backends, String cashoutId) throws Exception {
        List<String> kinds = new ArrayList<>();
        try (Connection c = backends.connect(); var s = c.prepareStatement(
                "SELECT kind FROM ledger_entries WHERE cashout_id = ? AND kind IN ('SETTLE', 'RELEASE') ORDER BY kind")) {
            s.setString(1, cashoutId);
            try (var rs = s.executeQuery()) {
                while (rs.next()) kinds.add(rs.getString(1));
            }
        }
        return kinds;
    }
}
