package io.microsettle.settlement;

import io.microsettle.chain.EscrowEvents;
import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.ledger.LedgerService;
import io.microsettle.reconcile.ReconcileService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.http.HttpService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark (runs with -Pbench only; in this package for {@link TestCashouts} and {@link ChainTestResource}):
 * the reconcile follower against a real Anvil, schedulers off. Setup (untimed): {@code -Dbench.payouts}
 * (10,000) QUEUED cash-outs written as a request leaves them, settled on chain by the service's own
 * settler ({@code createBatches} + {@code broadcastStored}: batches signed with the settler key), mined
 * and confirmed. Warm-up (untimed for the target, printed): {@code -Dbench.warmupPayouts} (2,000) cash-outs settled and
 * ingested the same way first, so the timed range runs compiled code. Ingestion: {@link ReconcileService#tick} from the first block until the cursor reaches
 * head − confirmations, timed: PayoutSettled + BatchSettled logs read, stored and matched (every cash-out
 * SETTLED). Reorg: {@code evm_snapshot}, {@code -Dbench.reorgPayouts} (1,000) more cash-outs settled and
 * reconciled over {@code -Dbench.reorgBlocks} (64) blocks, {@code evm_revert} and a longer branch mined
 * without them; the one tick that detects the fork and repairs (cash-outs back to SUBMITTED, logs
 * dropped) is timed. Asserts counts and states, never times; prints the load average with the figures.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off")})
@Tag("bench")
class ReconcileBenchmark {
    @Inject AgroalDataSource ds;
    @Inject LedgerService ledger;
    @Inject SettlementService settlement;
    @Inject ReconcileService reconcile;

    @Test
    void ingestAndReorg() throws Exception {
        int payouts = Integer.getInteger("bench.payouts", 10_000);
        int reorgPayouts = Integer.getInteger("bench.reorgPayouts", 1_000);
        int reorgBlocks = Integer.getInteger("bench.reorgBlocks", 64);
        HttpService http = new HttpService(ChainTestResource.rpcUrl);
        Web3j web3j = Web3j.build(http);
        try {
            // ---- warm-up (untimed for the target, printed): the follower's first range of the JVM runs its code
            // interpreted and then compiles it; on a loaded 2-core machine the JIT's threads wait too
            int warmupPayouts = Integer.getInteger("bench.warmupPayouts", 2_000);
            String warmRow = null;
            long warmLogs = 0;
            if (warmupPayouts > 0) {
                queue("warm", warmupPayouts);
                settleOnChain(web3j, http);
                warmLogs = countLogs(web3j);
                String w0 = load();
                long wt = System.nanoTime();
                int wl = 0, ws = 0, wticks = 0;
                ReconcileService.TickResult w;
                do {
                    w = reconcile.tick();
                    wl += w.logs();
                    ws += w.settled();
                    wticks++;
                } while (wl < warmLogs && w.ranges() > 0 && wticks < 1_000);
                double warmSeconds = (System.nanoTime() - wt) / 1e9;
                assertThat((long) wl).isEqualTo(warmLogs);
                warmRow = String.format(Locale.ROOT, "| warm-up   | %6d | %,7d | %,9d | %5d | %7.2f | %,10.0f | %-17s | %-17s |",
                        w.head(), wl, ws, wticks, warmSeconds, wl / warmSeconds, w0, load());
            }

            // ---- setup: cash-outs settled on chain by the settler, untimed
            long s0 = System.nanoTime();
            List<String> ids = queue("bench", payouts);
            double queueSeconds = (System.nanoTime() - s0) / 1e9;
            s0 = System.nanoTime();
            settleOnChain(web3j, http);
            double settleSeconds = (System.nanoTime() - s0) / 1e9;
            long chainLogs = countLogs(web3j) - warmLogs;
            System.out.printf(Locale.ROOT, "%nreconcile setup: %,d cash-outs queued in %.1f s, settled on chain in %.1f s (%,d escrow logs, head %d); load %s%n",
                    payouts, queueSeconds, settleSeconds, chainLogs, blockNumber(web3j), load());

            // ---- ingestion
            String l0 = load();
            reconcile.resetPhaseTimes();
            long t0 = System.nanoTime();
            int logs = 0, settled = 0, ticks = 0;
            ReconcileService.TickResult r;
            do {
                r = reconcile.tick();
                logs += r.logs();
                settled += r.settled();
                ticks++;
            } while (logs < chainLogs && r.ranges() > 0 && ticks < 1_000);
            double ingestSeconds = (System.nanoTime() - t0) / 1e9;
            String l1 = load();
            java.util.Map<String, Double> phaseMillis = reconcile.phaseMillis();
            assertThat(count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED' AND id LIKE 'co_bench%'")).isEqualTo(payouts);
            assertThat((long) logs).isEqualTo(chainLogs);
            assertThat(count("SELECT count(*) FROM discrepancies")).isZero();

            // ---- a reorg of reorgBlocks blocks that un-settles reorgPayouts cash-outs
            long ingestedTo = count("SELECT next_block FROM reconcile_cursor WHERE name = 'escrow'") - 1;
            String snapshot = rpc(http, "evm_snapshot", List.of());
            long forkBase = blockNumber(web3j);
            List<String> doomed = queue("reorg", reorgPayouts);
            settleOnChain(web3j, http);
            long confirmations = 2;
            while (blockNumber(web3j) < forkBase + reorgBlocks + confirmations) rpc(http, "evm_mine", List.of());
            do r = reconcile.tick(); while (r.ranges() > 0);
            assertThat(count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED' AND id LIKE 'co_reorg%'")).isEqualTo(reorgPayouts);
            long oldHead = blockNumber(web3j);
            rpc(http, "evm_revert", List.of(snapshot));
            while (blockNumber(web3j) < oldHead + 1) rpc(http, "evm_mine", List.of());
            String l2 = load();
            long t1 = System.nanoTime();
            ReconcileService.TickResult reorg = reconcile.tick();
            double reorgSeconds = (System.nanoTime() - t1) / 1e9;
            String l3 = load();
            // the fork found is the newest stored block hash still canonical: at or below the snapshot's block
            assertThat(reorg.reorgForkBlock()).isGreaterThanOrEqualTo(ingestedTo).isLessThanOrEqualTo(forkBase);
            assertThat(count("SELECT count(*) FROM cashouts WHERE status = 'SUBMITTED' AND id LIKE 'co_reorg%'")).isEqualTo(reorgPayouts);
            assertThat(count("SELECT count(*) FROM chain_logs WHERE block_number > " + reorg.reorgForkBlock())).isZero();
            assertThat(count("SELECT count(*) FROM cashouts WHERE status = 'SETTLED' AND id LIKE 'co_bench%'")).isEqualTo(payouts);

            System.out.printf(Locale.ROOT, "%nreconcile follower (Anvil, %d cores)%n", Runtime.getRuntime().availableProcessors());
            System.out.println("| phase     | blocks | logs    | cash-outs | ticks | seconds | per second | load before       | load after        |");
            System.out.println("|-----------|--------|---------|-----------|-------|---------|------------|-------------------|-------------------|");
            if (warmRow != null) System.out.println(warmRow);
            System.out.printf(Locale.ROOT, "| ingest    | %6d | %,7d | %,9d | %5d | %7.2f | %,10.0f | %-17s | %-17s |%n",
                    r.head(), logs, settled, ticks, ingestSeconds, logs / ingestSeconds, l0, l1);
            System.out.printf(Locale.ROOT, "| reorg     | %6d | %,7d | %,9d | %5d | %7.3f | %10s | %-17s | %-17s |%n",
                    oldHead - forkBase, reorgPayouts + (reorgPayouts + 499) / 500, count("SELECT count(*) FROM cashouts WHERE status = 'SUBMITTED' AND id LIKE 'co_reorg%'"), 1, reorgSeconds, "-", l2, l3);
            System.out.printf(Locale.ROOT, "(reorg: the old branch ran from block %d to %d, the fork found at %d)%n", forkBase + 1, oldHead,
                    reorg.reorgForkBlock());
            System.out.println("ingest phases (ms, summed over its ticks): " + phaseMillis.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey().toLowerCase(Locale.ROOT), e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", ")));
            System.out.println("(warm-up: -Dbench.warmupPayouts cash-outs settled and ingested first, untimed for the target: the follower's "
                    + "first range of the JVM; ingest: the next range, with the code compiled)");
            System.out.println("(ingest: logs/s = PayoutSettled + BatchSettled logs read, stored and matched per second; reorg: blocks dropped "
                    + "above the fork, its logs and the cash-outs sent back to SUBMITTED, in the one tick that found it)");
        } finally {
            web3j.shutdown();
        }
    }

    private List<String> queue(String ref, int n) {
        List<String> ids = new ArrayList<>(n);
        TestCashouts cashouts = new TestCashouts(ds, ledger);
        for (int done = 0; done < n; ) {
            int k = Math.min(500, n - done);
            ids.addAll(QuarkusTransaction.requiringNew().call(() -> {
                List<String> batch = new ArrayList<>(k);
                for (int i = 0; i < k; i++) batch.add(cashouts.queued(ref, TestCashouts.randomAddress(), 50_000, 500));
                return batch;
            }));
            done += k;
        }
        return ids;
    }

    /** Batches every QUEUED cash-out, broadcasts, waits for every receipt, then mines the confirmations. */
    private void settleOnChain(Web3j web3j, HttpService http) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (count("SELECT count(*) FROM cashouts WHERE status = 'QUEUED'") > 0) {
            settlement.createBatches();
            settlement.broadcastStored();
            if (System.nanoTime() > deadline) throw new IllegalStateException("cash-outs still QUEUED");
            Thread.sleep(200);
        }
        settlement.broadcastStored();
        List<String> txs = QuarkusTransaction.requiringNew().call(() -> Db.query(ds,
                "SELECT tx_hash FROM settlement_txs WHERE status = 'BROADCAST'", rs -> rs.getString(1)));
        for (String tx : txs) {
            while (web3j.ethGetTransactionReceipt(tx).send().getTransactionReceipt().isEmpty()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no receipt for " + tx);
                Thread.sleep(200);
            }
            assertThat(web3j.ethGetTransactionReceipt(tx).send().getTransactionReceipt().orElseThrow().isStatusOK()).as(tx).isTrue();
        }
        for (int i = 0; i < 3; i++) rpc(http, "evm_mine", List.of());
    }

    private long countLogs(Web3j web3j) throws Exception {
        var filter = new org.web3j.protocol.core.methods.request.EthFilter(org.web3j.protocol.core.DefaultBlockParameterName.EARLIEST,
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST, ChainTestResource.deployment.escrow());
        filter.addOptionalTopics(io.microsettle.chain.EscrowEvents.PAYOUT_SETTLED_TOPIC, io.microsettle.chain.EscrowEvents.BATCH_SETTLED_TOPIC);
        EthLog logs = web3j.ethGetLogs(filter).send();
        return logs.getLogs().size();
    }

    private static long blockNumber(Web3j web3j) throws Exception {
        return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    }

    private long count(String sql) {
        return QuarkusTransaction.requiringNew().call(() -> Db.scalar(ds, sql));
    }

    private static String rpc(HttpService http, String method, List<Object> params) throws Exception {
        var r = new Request<>(method, params, http, ChainSteps.StringResponse.class).send();
        if (r.hasError()) throw new AssertionError(method + ": " + r.getError().getMessage());
        return String.valueOf(r.getResult());
    }

    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}
