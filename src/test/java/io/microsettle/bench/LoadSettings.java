package io.microsettle.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The load benchmark's settings, from {@code -Dbench.*} system properties (names distinct from the in-JVM
 * benchmarks' {@code bench.clients}, {@code bench.cashouts}, {@code bench.warmup}, …). The defaults keep a run
 * under about ten minutes on a 2-core machine however slow the service is: each timed phase stops after
 * {@code phaseMaxSeconds} even if not every prepared request was sent.
 *
 * @param chain                 {@code anvil} or {@code ganache}: the dev chain the service starts
 * @param contractsDir          the {@code contracts/} package the service starts the chain from (node_modules installed)
 * @param label                 printed in the header (e.g. the commit measured)
 * @param concurrency           the client counts of the per-concurrency phases
 * @param accounts              accounts the per-concurrency phases spread over (FULL: 1,000 cash-outs per account per 24 h)
 * @param cashoutsPerPhase      quotes requested, then cash-outs requested, per phase
 * @param singleAccountClients  clients of the one-account phase
 * @param singleAccountCashouts cash-outs of the one-account phase (at most the account's 1,000 per 24 h)
 * @param creditRequests        1,000-item credit requests per credits phase (at least 3 per client)
 * @param creditItems           items per credit request
 * @param duringClients         cash-out clients of the credits-while-cash-outs phase
 * @param duringCreditClients   credit clients running meanwhile
 * @param warmupCashouts        untimed warm-up cash-outs (8 clients), before the first phase
 * @param amountBaseUnits       gross of every cash-out (below every anomaly rule's minimum; the fees leave a payout above minPayout)
 * @param phaseMaxSeconds       the longest a timed phase sends requests
 * @param settleTimeoutSeconds  the longest the run waits for the accepted cash-outs to be SETTLED
 * @param setupClients          clients for the untimed setup (accounts, verification, funding)
 * @param maxLoad               the 1-minute load average the run waits for before it starts
 * @param quietWaitSeconds      the longest it waits for that
 * @param floorSeconds          the measured part of the signature-recovery floor
 * @param assertTargets         fail the test when a target of the issue is missed (default: print PASS/MISS only)
 */
record LoadSettings(String chain, Path contractsDir, String label, List<Integer> concurrency, int accounts, int cashoutsPerPhase,
                    int singleAccountClients, int singleAccountCashouts, int creditRequests, int creditItems, int duringClients,
                    int duringCreditClients, int warmupCashouts, long amountBaseUnits, int phaseMaxSeconds,
                    int settleTimeoutSeconds, int setupClients, double maxLoad, int quietWaitSeconds, int floorSeconds,
                    boolean assertTargets) {

    /** FULL verification's rolling24hCount in the shipped limit set. */
    static final int CASHOUTS_PER_ACCOUNT_PER_DAY = 1000;

    LoadSettings {
        if (!chain.equals("anvil") && !chain.equals("ganache")) throw new IllegalArgumentException("bench.chain: anvil or ganache");
        if (singleAccountCashouts > CASHOUTS_PER_ACCOUNT_PER_DAY) {
            throw new IllegalArgumentException("bench.single-account-cashouts: at most " + CASHOUTS_PER_ACCOUNT_PER_DAY + " (FULL per 24 h)");
        }
        int multiPhases = concurrency.size() + 2; // per concurrency, during credits, warm-up
        if ((long) multiPhases * cashoutsPerPhase > (long) accounts * CASHOUTS_PER_ACCOUNT_PER_DAY) {
            throw new IllegalArgumentException("bench.accounts too few for " + multiPhases + " phases of " + cashoutsPerPhase + " cash-outs");
        }
    }

    static LoadSettings fromSystemProperties() {
        return new LoadSettings(
                System.getProperty("bench.chain", "anvil"),
                Path.of(System.getProperty("bench.contracts-dir", "contracts")).toAbsolutePath().normalize(),
                System.getProperty("bench.label", ""),
                Arrays.stream(System.getProperty("bench.concurrency", "8,32,128").split(",")).map(String::trim).map(Integer::valueOf).toList(),
                Integer.getInteger("bench.accounts", 1000),
                Integer.getInteger("bench.cashouts-per-phase", 5000),
                Integer.getInteger("bench.single-account-clients", 128),
                Integer.getInteger("bench.single-account-cashouts", 900),
                Integer.getInteger("bench.credit-requests", 200),
                Integer.getInteger("bench.credit-items", 1000),
                Integer.getInteger("bench.during-clients", 32),
                Integer.getInteger("bench.during-credit-clients", 4),
                Integer.getInteger("bench.warmup-cashouts", 300),
                Long.getLong("bench.amount", 5_000_000L),
                Integer.getInteger("bench.phase-max-seconds", 30),
                Integer.getInteger("bench.settle-timeout-seconds", 300),
                Integer.getInteger("bench.setup-clients", 8),
                Double.parseDouble(System.getProperty("bench.max-load", "1.5")),
                Integer.getInteger("bench.quiet-wait-seconds", 600),
                Integer.getInteger("bench.floor-seconds", 3),
                Boolean.getBoolean("bench.assert-targets"));
    }

    /** The most cash-outs one account of the per-concurrency phases takes in a run (warm-up included). */
    int cashoutsPerAccount() {
        int phases = concurrency.size() + 2;
        return (int) (((long) phases * cashoutsPerPhase + accounts - 1) / accounts);
    }

    /** Requests of one credits phase at {@code clients} clients. */
    int creditRequestsFor(int clients) {
        return Math.max(creditRequests, 3 * clients);
    }

    long phaseMaxMillis() {
        return phaseMaxSeconds * 1000L;
    }
}
