package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.security.Roles;
import io.microsettle.testsupport.ServiceProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark (runs with -Pbench only; prints a table, asserts no time): settlement end to end on Anvil, against
 * the chain's payout capacity. The packaged service is started as {@code ./microsettle run} starts it (embedded
 * PostgreSQL, an Anvil dev chain it starts and deploys to, a block a second, settlement and reconcile running)
 * once per settler-key count ({@code bench.settle.settlers}, default 1 and 2), and driven over HTTP from this JVM:
 * <ol>
 *   <li><b>steady</b>: cash-outs posted by 16 clients as fast as the service takes them, then the wait until all
 *   are SETTLED; POST-to-SETTLED p50/p99 from each cash-out's {@code createdAt} and {@code settledAt};</li>
 *   <li><b>drain</b>: {@code POST /v1/admin/pause}, cash-outs queued while paused, {@code POST /v1/admin/unpause};
 *   from the escrow's {@code BatchSettled} logs: payouts per block, gas per payout (gas used of the settle
 *   transactions ÷ payouts), the achieved rate (payouts ÷ the chain time of the blocks that paid them), and the
 *   share of capacity: payouts ÷ what those blocks could hold (block gas limit ÷ gas per payout, every block from
 *   the first that paid to the last). The target: ≥ 90 %.</li>
 * </ol>
 * See docs/benchmarks.md ("Settlement") for the settings and how it was run.
 */
@Tag("bench")
class SettlementBenchIT {
    static final String BATCH_SETTLED_TOPIC = Hash.sha3String("BatchSettled(uint256,address,uint256,uint256,uint256)");
    static final int PAGE = 100;
    static final long SEND_MAX_MILLIS = 600_000;
    static final long SETTLE_TIMEOUT_MILLIS = 600_000;
    static final double TARGET_SHARE_OF_CAPACITY = 0.90;
    /** How many statements the drain's database table shows (with the profile). */
    static final int DRAIN_STATEMENTS_SHOWN = 20;

    /** {@code profile} (-Dbench.profile=true): the service records a JFR profile, and the drain's hot methods and statements are printed. */
    record Settings(List<Integer> settlers, int accounts, int steadyCashouts, int drainCashouts, int clients, long amountBaseUnits,
                    boolean profile) {
        static Settings fromSystemProperties() {
            return new Settings(Arrays.stream(System.getProperty("bench.settle.settlers", "1,2").split(",")).map(String::trim)
                    .map(Integer::parseInt).toList(),
                    Integer.getInteger("bench.settle.accounts", 250), Integer.getInteger("bench.settle.steady-cashouts", 1000),
                    Integer.getInteger("bench.settle.drain-cashouts", 5000), Integer.getInteger("bench.settle.clients", 16),
                    Long.getLong("bench.amount", 5_000_000L), Boolean.getBoolean("bench.profile"));
        }
    }

    /** The steady phase's figures. */
    record Steady(int accepted, int settled, double postPerSecond, long p50Millis, long p99Millis, long maxMillis) {}

    /** The drain phase's figures, read from the chain. */
    record Drain(int accepted, int settled, double wallSeconds, long payouts, int transactions, long firstBlock, long lastBlock,
                 double chainSeconds, long gasPerPayout, long blockGasLimit, long blockTimeSeconds, List<Long> payoutsPerBlock) {
        double achievedPerSecond() {
            return chainSeconds <= 0 ? 0 : payouts / chainSeconds;
        }

        double capacityPerSecond() {
            return gasPerPayout <= 0 ? 0 : (double) (blockGasLimit / gasPerPayout) / blockTimeSeconds;
        }

        /**
         * Payouts against what the blocks that paid them could hold (block gas limit ÷ gas per payout, for every
         * block from the first to the last, empty ones included). Counted in blocks, not timestamps: Anvil's
         * whole-second timestamps can put two of its one-second blocks in the same second (7 blocks in 6 chain
         * seconds read as 108 %).
         */
        double shareOfCapacity() {
            long blocks = lastBlock - firstBlock + 1;
            long perBlock = gasPerPayout <= 0 ? 0 : blockGasLimit / gasPerPayout;
            return perBlock <= 0 ? 0 : (double) payouts / (blocks * perBlock);
        }
    }

    @Test
    void settlementAgainstTheChainsCapacity() throws IOException {
        LoadSettings load = LoadSettings.fromSystemProperties();
        Settings s = Settings.fromSystemProperties();
        String quiet = ServiceLoadBenchIT.awaitQuietMachine(load);
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, """

                == microsettle settlement benchmark ==
                machine : %d cores, Java %s, %s
                workload: %d accounts (FULL), gross %d each; steady: %d cash-outs from %d clients; drain: %d cash-outs queued while paused
                keys  phase   accepted settled  post/s  p50 ms  p99 ms  max ms  | payouts txs blocks chain s  gas/payout block gas  capacity/s achieved/s  share
                """, Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"), quiet, s.accounts(),
                s.amountBaseUnits(), s.steadyCashouts(), s.clients(), s.drainCashouts()));
        List<String> misses = new ArrayList<>();
        for (int settlers : s.settlers()) {
            String[] rows = runWith(load, s, settlers);
            table.append(rows[0]).append(rows[1]);
            if (!rows[2].isEmpty()) misses.add(rows[2]);
        }
        table.append(misses.isEmpty() ? "target (≥ 90 % of capacity): MET at every key count\n" : "target (≥ 90 % of capacity): MISS " + misses + "\n");
        System.out.println(table);
    }

    /** One service with {@code settlers} keys: its steady row, its drain row, and a miss (or ""). */
    private String[] runWith(LoadSettings load, Settings s, int settlers) throws IOException {
        Path work = Path.of("target", "bench-settle-" + settlers + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath();
        ServiceProcess.Builder builder = ServiceProcess.builder(work);
        // -Dbench.service.NAME=VALUE: the service runs with -DNAME=VALUE (none by default), as in ServiceLoadBenchIT
        ServiceLoadBenchIT.givenServiceProperties().forEach(builder::systemProperty);
        if (s.profile()) builder.jvmOption("-XX:StartFlightRecording=filename=" + work.resolve("service.jfr") + ",settings=profile");
        Instant[] drainWindow = {Instant.EPOCH, Instant.EPOCH};
        try {
            return runOn(builder, work, load, s, settlers, drainWindow);
        } finally {
            if (s.profile()) System.out.println(JfrProfile.report(work.resolve("service.jfr"), ServiceLoadBenchIT.PROFILE_METHODS_SHOWN,
                    drainWindow[0], drainWindow[1]));
        }
    }

    private String[] runOn(ServiceProcess.Builder builder, Path work, LoadSettings load, Settings s, int settlers, Instant[] drainWindow)
            throws IOException {
        try (ServiceProcess service = builder
                .systemProperty("microsettle.chain.dev.contracts-dir", load.contractsDir().toString())
                .systemProperty("microsettle.chain.dev.kind", "anvil")
                .systemProperty("microsettle.chain.dev.settlers", Integer.toString(settlers))
                .systemProperty("microsettle.security.rate-limit.requests-per-second", ServiceLoadBenchIT.REQUESTS_PER_SECOND)
                .systemProperty("microsettle.security.rate-limit.burst", ServiceLoadBenchIT.BURST)
                .startTimeout(Duration.ofMinutes(5)).start()) {
            Path data = service.summaryValue("data").map(Path::of).orElse(work.resolve("data"));
            Path keys = data.resolve("keys");
            String rpc = service.summaryValue("chain").map(v -> v.substring(v.lastIndexOf(" at ") + 4)).orElseThrow();
            String escrow = service.summaryValue("escrow").orElseThrow();
            LoadClient integrator = new LoadClient(service.baseUri(),
                    ServiceLoadBenchIT.token(keys, "demo", Roles.INTEGRATOR));
            LoadClient admin = integrator.as(ServiceLoadBenchIT.token(keys, "bench-admin", Roles.ADMIN));
            List<Workload.Account> accounts = Workload.createAccounts(integrator, keys, "s" + settlers + "-" + System.currentTimeMillis(),
                    s.accounts(), 8);
            int perAccount = (s.steadyCashouts() + s.drainCashouts()) / s.accounts() + 5;
            Workload.fund(integrator, accounts, s.amountBaseUnits() * perAccount, "settle-fund-" + settlers + "-" + System.nanoTime(), 1);
            Web3j web3 = Web3j.build(new HttpService(rpc));
            try (ServerFacts facts = new ServerFacts(service, data)) {
                Steady steady = steady(s, integrator, accounts);
                Drain drain = drain(s, integrator, admin, accounts, web3, escrow, drainWindow, facts);
                assertThat(steady.settled()).as("steady: every accepted cash-out settled").isEqualTo(steady.accepted());
                assertThat(drain.settled()).as("drain: every accepted cash-out settled").isEqualTo(drain.accepted());
                JsonNode verify = integrator.as(ServiceLoadBenchIT.token(keys, "audit", Roles.AUDITOR)).getOk("/v1/audit/verify");
                JsonNode ledger = integrator.as(ServiceLoadBenchIT.token(keys, "audit", Roles.AUDITOR)).getOk("/v1/audit/ledger-check");
                assertThat(verify.path("ok").asBoolean(false)).as("audit verify %s", verify).isTrue();
                assertThat(ledger.path("ok").asBoolean(false)).as("ledger check %s", ledger).isTrue();
                System.out.println("  payouts per block (" + settlers + " key(s)): " + drain.payoutsPerBlock());
                String miss = drain.shareOfCapacity() >= TARGET_SHARE_OF_CAPACITY ? ""
                        : String.format(Locale.ROOT, "%d key(s): %.0f %%", settlers, 100 * drain.shareOfCapacity());
                return new String[] {steadyRow(settlers, steady), drainRow(settlers, drain), miss};
            } finally {
                web3.shutdown();
            }
        }
    }

    private static Steady steady(Settings s, LoadClient integrator, List<Workload.Account> accounts) {
        long t0 = System.nanoTime();
        Set<String> accepted = postCashouts(s, integrator, accounts, s.steadyCashouts(), 0);
        double postSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, long[]> settled = awaitSettled(integrator, accepted);
        long[] millis = settled.values().stream().mapToLong(t -> t[1] - t[0]).sorted().toArray();
        return new Steady(accepted.size(), settled.size(), accepted.size() / postSeconds, percentile(millis, 50), percentile(millis, 99),
                millis.length == 0 ? 0 : millis[millis.length - 1]);
    }

    /** Queues the drain's cash-outs while paused, unpauses, waits until all settle; {@code window}: from the unpause to the last settled. */
    private static Drain drain(Settings s, LoadClient integrator, LoadClient admin, List<Workload.Account> accounts, Web3j web3, String escrow,
                               Instant[] window, ServerFacts facts) throws IOException {
        JsonNode paused = admin.postOk("/v1/admin/pause", LoadClient.json(Map.of("reason", "settlement benchmark: queue while paused")));
        assertThat(paused.path("paused").asBoolean()).as("pause answered %s", paused).isTrue();
        Set<String> accepted = postCashouts(s, integrator, accounts, s.drainCashouts(), s.steadyCashouts());
        long fromBlock = web3.ethBlockNumber().send().getBlockNumber().longValueExact();
        // with the profile: the database's time by statement over the drain, as ServiceLoadBenchIT prints it per phase
        if (s.profile()) facts.resetStatements();
        long t0 = System.nanoTime();
        window[0] = Instant.now();
        JsonNode unpaused = admin.postOk("/v1/admin/unpause", LoadClient.json(Map.of("reason", "settlement benchmark: drain")));
        assertThat(unpaused.path("paused").asBoolean()).as("unpause answered %s", unpaused).isFalse();
        Map<String, long[]> settled = awaitSettled(integrator, accepted);
        window[1] = Instant.now();
        double wallSeconds = (System.nanoTime() - t0) / 1e9;
        if (s.profile()) System.out.println("drain: " + facts.topStatements(DRAIN_STATEMENTS_SHOWN));
        long toBlock = web3.ethBlockNumber().send().getBlockNumber().longValueExact();
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(toBlock)), escrow);
        filter.addSingleTopic(BATCH_SETTLED_TOPIC);
        TreeMap<Long, Long> payoutsByBlock = new TreeMap<>();
        long payouts = 0;
        long gasUsed = 0;
        Set<String> txs = new HashSet<>();
        for (EthLog.LogResult<?> r : web3.ethGetLogs(filter).send().getLogs()) {
            Log log = (Log) r.get();
            long count = Numeric.toBigInt(log.getData().substring(2, 66)).longValueExact();
            payoutsByBlock.merge(log.getBlockNumber().longValueExact(), count, Long::sum);
            payouts += count;
            if (txs.add(log.getTransactionHash())) {
                gasUsed += web3.ethGetTransactionReceipt(log.getTransactionHash()).send().getTransactionReceipt().orElseThrow()
                        .getGasUsed().longValueExact();
            }
        }
        assertThat(payoutsByBlock).as("BatchSettled logs after the unpause").isNotEmpty();
        long first = payoutsByBlock.firstKey();
        long last = payoutsByBlock.lastKey();
        EthBlock.Block lastBlock = block(web3, last);
        long chainSeconds = lastBlock.getTimestamp().longValueExact() - block(web3, first - 1).getTimestamp().longValueExact();
        // averaged over the blocks: one pair of Anvil's whole-second timestamps can be 2 s apart (capacity/s read as half)
        long blockTime = Math.max(1, Math.round((double) chainSeconds / (last - first + 1)));
        return new Drain(accepted.size(), settled.size(), wallSeconds, payouts, txs.size(), first, last, chainSeconds,
                payouts == 0 ? 0 : gasUsed / payouts, lastBlock.getGasLimit().longValueExact(), blockTime,
                new ArrayList<>(payoutsByBlock.values()));
    }

    /** Quotes, signed by the accounts' wallets (untimed), then the cash-outs; the ids answered 201 QUEUED. */
    private static Set<String> postCashouts(Settings s, LoadClient integrator, List<Workload.Account> accounts, int n, int offset) {
        LoadRun.Result quotes = LoadRun.run(s.clients(), n, SEND_MAX_MILLIS,
                i -> integrator.post("/v1/quotes", Workload.quoteBody(accounts.get((offset + i) % accounts.size()), s.amountBaseUnits())));
        List<String> bodies = Workload.signedCashouts(quotes.replies(), i -> accounts.get((offset + i) % accounts.size()));
        LoadRun.Result cashouts = LoadRun.run(s.clients(), bodies.size(), SEND_MAX_MILLIS, i -> integrator.post("/v1/cashouts", bodies.get(i)));
        Set<String> accepted = new HashSet<>();
        for (LoadClient.Reply r : cashouts.replies()) {
            if (r != null && r.outcome().equals(LoadScenario.QUEUED)) accepted.add(r.json().get("id").asText());
        }
        System.out.printf(Locale.ROOT, "  %d quotes %s; cash-outs %s%n", n, quotes.stats().outcomes(), cashouts.stats().outcomes());
        return accepted;
    }

    /**
     * Waits until every one of {@code ids} is SETTLED (at most {@code SETTLE_TIMEOUT_MILLIS}); their created and settled
     * times. While cash-outs are on their way it reads one item of each status before SETTLED, as
     * {@link LoadScenario#awaitSettlement} does: listing every settled cash-out each second, as it did before, took a
     * sixth of the service's CPU during a drain (JFR), beside the settlement it measures.
     */
    private static Map<String, long[]> awaitSettled(LoadClient integrator, Set<String> ids) {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (LoadScenario.inFlightStatuses(integrator).isEmpty()) {
                Map<String, long[]> settled = settledAmong(integrator, ids);
                if (settled.size() == ids.size()) return settled;
            }
            LoadScenario.sleep(1000);
        }
        return settledAmong(integrator, ids);
    }

    private static Map<String, long[]> settledAmong(LoadClient integrator, Set<String> ids) {
        Map<String, long[]> out = new java.util.HashMap<>();
        String cursor = null;
        int maxPages = 1000; // 100,000 cash-outs: far more than a run makes
        for (int page = 0; page < maxPages; page++) {
            JsonNode p = integrator.getOk("/v1/cashouts?limit=" + PAGE + "&status=SETTLED" + (cursor == null ? "" : "&cursor=" + cursor));
            for (JsonNode c : p.get("data")) {
                String id = c.get("id").asText();
                if (ids.contains(id)) out.put(id, new long[] {Instant.parse(c.get("createdAt").asText()).toEpochMilli(),
                        Instant.parse(c.get("settledAt").asText()).toEpochMilli()});
            }
            if (p.get("nextCursor").isNull()) break;
            cursor = java.net.URLEncoder.encode(p.get("nextCursor").asText(), java.nio.charset.StandardCharsets.UTF_8);
        }
        return out;
    }

    private static EthBlock.Block block(Web3j web3, long number) throws IOException {
        return web3.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false).send().getBlock();
    }

    static long percentile(long[] ascending, int percentile) {
        if (ascending.length == 0) return 0;
        return ascending[Math.max(0, (int) Math.ceil(percentile / 100.0 * ascending.length) - 1)];
    }

    private static String steadyRow(int settlers, Steady st) {
        return String.format(Locale.ROOT, "%4d  steady  %8d %7d %7.1f %7d %7d %7d  |%n", settlers, st.accepted(), st.settled(), st.postPerSecond(),
                st.p50Millis(), st.p99Millis(), st.maxMillis());
    }

    private static String drainRow(int settlers, Drain d) {
        return String.format(Locale.ROOT, "%4d  drain   %8d %7d %7s %7s %7s %7s  | %7d %3d %6d %7.0f %11d %9d %11.1f %10.1f %5.0f %%%n", settlers, d.accepted(),
                d.settled(), "-", "-", "-", String.format(Locale.ROOT, "%.0fs", d.wallSeconds()), d.payouts(), d.transactions(),
                d.lastBlock() - d.firstBlock() + 1, d.chainSeconds(), d.gasPerPayout(), d.blockGasLimit(), d.capacityPerSecond(),
                d.achievedPerSecond(), 100 * d.shareOfCapacity());
    }
}
