package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.infra.CrashPoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random runs of the fault suite on Anvil behind the RPC proxy, with a real database: each run
 * queues 1–3 cash-outs (one in six for integrator "unfunded", whose batch reverts and must FAIL with its
 * hold released), injects one node fault for a few passes (lost replies, refused connections, JSON-RPC
 * errors, slow replies, transactions hidden from lookups) and arms one crash point (after signing, after
 * broadcast, before the receipt, mid-reconcile: the step stops there as a crash would stop it and the
 * next pass is the restart), then lets settlement finish and checks {@link SettlementInvariants}.
 *
 * <p>{@code -Dfaults.runs=N} (default {@value #DEFAULT_RUNS}, small so the suite stays fast) and
 * {@code -Dfaults.seed=S} (the first seed; run i uses S + i) reproduce any run.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
        @ResourceArg(name = "proxy", value = "true"),
        @ResourceArg(name = "microsettle.settlement.stall-alert-after-millis", value = "3000"),
        @ResourceArg(name = "microsettle.settlement.broadcast-retry-base-millis", value = "200"),
        @ResourceArg(name = "microsettle.settlement.broadcast-retry-max-millis", value = "1000")})
class SeededFaultRunsTest extends AbstractFaultTest {
    static final int DEFAULT_RUNS = 3;
    static final List<String> CRASH_POINTS = List.of("settlement.after-sign", "settlement.after-broadcast", "settlement.before-receipt",
            "reconcile.mid-range");

    enum Fault { NONE, LOST_REPLIES, OUTAGE, RPC_ERRORS, SLOW_NODE, HIDDEN_TXS }

    @Test
    @Timeout(7200) // only -Dfaults.runs=100 comes near it; the default runs take well under a minute
    void seededRunsOfCashoutsWithFaultsAndCrashesKeepEveryInvariant() throws Exception {
        int runs = Integer.getInteger("faults.runs", DEFAULT_RUNS);
        long firstSeed = Long.getLong("faults.seed", 1L);
        Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
        Map<String, Integer> crashesReached = new TreeMap<>();
        List<String> all = new ArrayList<>();
        int settled = 0, failed = 0;
        long started = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            long seed = firstSeed + i;
            Random r = new Random(seed);
            int n = 1 + r.nextInt(3);
            List<String> cos = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                cos.add(queue(r.nextInt(6) == 0 ? "unfunded" : "demo", "run" + seed + "x" + k, 1_000_000L + r.nextInt(4_000_000)));
            }
            Fault fault = Fault.values()[r.nextInt(Fault.values().length)];
            String crash = r.nextInt(5) == 0 ? null : CRASH_POINTS.get(r.nextInt(CRASH_POINTS.size()));
            int faultFrom = r.nextInt(3), faultPasses = 2 + r.nextInt(8);
            faults.merge(fault, 1, Integer::sum);
            String outcome;
            try {
                // armed before the first pass: the run's first arrival at the point crashes (a point armed after the step is never reached)
                if (crash != null) CrashPoints.arm(crash);
                for (int p = 0; p < faultFrom + faultPasses + 2; p++) {
                    if (p == faultFrom) inject(fault);
                    if (p == faultFrom + faultPasses) proxy().healthy();
                    pass();
                    Thread.sleep(250);
                }
                proxy().healthy();
                // the armed point may be reached only now, while settlement finishes
                untilFinal(cos, 90);
                if (crash != null && !CrashPoints.armed(crash)) crashesReached.merge(crash, 1, Integer::sum);
                CrashPoints.disarmAll();
                SettlementInvariants.Report rep = assertInvariants(cos);
                settled += rep.settled();
                failed += rep.failed();
                outcome = rep.toString();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("run with seed " + seed + " (" + fault + " from pass " + faultFrom + " for " + faultPasses
                        + ", crash " + crash + ", " + n + " cash-outs) broke an invariant: " + e.getMessage(), e);
            }
            LOG.infof("fault run seed %d: %s from pass %d for %d, crash %s: %s", seed, fault, faultFrom, faultPasses, crash, outcome);
            all.addAll(cos);
        }
        // and over every run together (a payout id paid twice across runs, a late double settlement)
        SettlementInvariants.Report total = assertInvariants(all);
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        System.out.printf("fault suite: %d seeded runs (seeds %d..%d), %d cash-outs: %d SETTLED, %d FAILED; faults %s; crash points reached %s;"
                        + " %d PayoutSettled logs on chain, none twice; %d s%n", runs, firstSeed, firstSeed + runs - 1, total.cashouts(), settled,
                failed, faults, crashesReached, total.payoutLogs(), seconds);
        assertThat(settled + failed).isEqualTo(all.size());
        assertThat(total.settled()).isEqualTo(settled);
    }

    void inject(Fault fault) {
        switch (fault) {
            case NONE -> {}
            case LOST_REPLIES -> proxy().dropReplies(Set.of("eth_sendRawTransaction"));
            case OUTAGE -> proxy().refuseConnections(true);
            case RPC_ERRORS -> proxy().failMethods(Set.of("eth_sendRawTransaction", "eth_getTransactionReceipt", "eth_getLogs"));
            case SLOW_NODE -> proxy().delay(Duration.ofMillis(250));
            case HIDDEN_TXS -> {
                for (String h : txHashes()) proxy().hideTransaction(h);
            }
        }
    }

    /** The hashes of every transaction signed so far. */
    List<String> txHashes() {
        return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() ->
                io.microsettle.infra.Db.query(ds, "SELECT tx_hash FROM settlement_txs", rs -> rs.getString(1)));
    }
}
