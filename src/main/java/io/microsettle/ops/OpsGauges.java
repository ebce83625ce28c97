package io.microsettle.ops;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.microsettle.cashout.CashoutStatus;
import io.microsettle.chain.ChainClient;
import io.microsettle.infra.Db;
import io.microsettle.reconcile.ReconcileConfig;
import io.microsettle.settlement.SettlementConfig;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The gauges that read the database and the chain, from one snapshot refreshed every
 * {@code microsettle.ops.metrics-refresh-millis} (six small queries, at most 100 rows each, and one
 * {@code eth_blockNumber}), never per scrape: open cash-outs by status, settlement lag (the oldest QUEUED
 * and SUBMITTED cash-out's age), reconcile lag in blocks, open discrepancies, the pause, each nonce
 * lane's state and each lease's holder. Series with a variable label set (lanes, leases) are
 * multi-gauges rewritten on each refresh.
 */
@Startup
@ApplicationScoped
public class OpsGauges {
    private static final Logger LOG = Logger.getLogger(OpsGauges.class);
    /** Rows read per refresh for lanes and leases at most. */
    static final int MAX_ROWS = 100;
    /** The statuses a cash-out waits in (the terminal ones are counted by microsettle_cashout_transitions_total). */
    static final List<CashoutStatus> OPEN = List.of(CashoutStatus.REQUESTED, CashoutStatus.QUEUED, CashoutStatus.HELD,
            CashoutStatus.BATCHED, CashoutStatus.SUBMITTED, CashoutStatus.CONFIRMED);
    static final String RECONCILE_CURSOR = "escrow";

    /** One lane: a settler key, its status, next nonce, transactions in flight, and whether it is stalled. */
    public record Lane(String address, long chainId, String status, long nextNonce, long openTransactions, boolean stalled) {}

    /** One lease and who holds it (expired: held false). */
    public record Lease(String name, String holder, long fence, boolean held) {}

    /** What the gauges show, as of {@code at}. */
    public record Snapshot(Instant at, Map<CashoutStatus, Long> open, Map<CashoutStatus, Instant> oldest, boolean paused,
                           OptionalLong reconcileNextBlock, OptionalLong headBlock, long openDiscrepancies, List<Lane> lanes,
                           List<Lease> leases) {
        static Snapshot empty() {
            return new Snapshot(Instant.EPOCH, Map.of(), Map.of(), false, OptionalLong.empty(), OptionalLong.empty(), 0, List.of(), List.of());
        }

        /** Seconds since the oldest cash-out in {@code status} was requested (0 when there is none). */
        public double oldestAgeSeconds(CashoutStatus status) {
            Instant o = oldest.get(status);
            return o == null ? 0 : Math.max(0, Duration.between(o, at).toMillis() / 1000.0);
        }

        /** Blocks the log follower is behind the head (NaN when either is unknown). */
        public double reconcileLagBlocks() {
            if (reconcileNextBlock.isEmpty() || headBlock.isEmpty()) return Double.NaN;
            return Math.max(0, headBlock.getAsLong() - (reconcileNextBlock.getAsLong() - 1));
        }
    }

    @Inject AgroalDataSource ds;
    @Inject ChainClient chain;
    @Inject OpsConfig cfg;
    @Inject SettlementConfig settlement;
    @Inject ReconcileConfig reconcile;

    private final MultiGauge laneNextNonce;
    private final MultiGauge laneOpen;
    private final MultiGauge laneStalled;
    private final MultiGauge leaseHeld;
    private final MultiGauge leaseFence;
    /** What this instance registered, removed again when it is destroyed (see {@link #unregister()}). */
    private final MeterRegistry registry;
    private final List<io.micrometer.core.instrument.Meter> registered = new java.util.ArrayList<>();
    private volatile Snapshot snapshot = Snapshot.empty();
    private volatile long refreshedNanos;
    private volatile boolean refreshedOnce;

    @Inject
    public OpsGauges(MeterRegistry registry) {
        this.registry = registry;
        for (CashoutStatus s : OPEN) {
            registered.add(Gauge.builder("microsettle.cashouts.open", this, g -> g.snapshot.open().getOrDefault(s, 0L)).tag("status", s.name())
                    .description("Cash-outs waiting in a status (all replicas: read from the database)").register(registry));
        }
        for (CashoutStatus s : List.of(CashoutStatus.QUEUED, CashoutStatus.SUBMITTED)) {
            registered.add(Gauge.builder("microsettle.settlement.oldest.age", this, g -> g.snapshot.oldestAgeSeconds(s)).tag("status", s.name())
                    .baseUnit("seconds").description("Settlement lag: age of the oldest cash-out still in the status").register(registry));
        }
        registered.add(Gauge.builder("microsettle.reconcile.lag", this, g -> g.snapshot.reconcileLagBlocks()).baseUnit("blocks")
                .description("Blocks between the chain head and the last block reconciled").register(registry));
        registered.add(Gauge.builder("microsettle.chain.head.block", this, g -> g.snapshot.headBlock().isPresent() ? g.snapshot.headBlock().getAsLong() : Double.NaN)
                .description("The chain's latest block number").register(registry));
        registered.add(Gauge.builder("microsettle.reconcile.discrepancies.open", this, g -> g.snapshot.openDiscrepancies())
                .description("Discrepancies reconciliation found that no operator has acknowledged").register(registry));
        registered.add(Gauge.builder("microsettle.settlement.paused", this, g -> g.snapshot.paused() ? 1 : 0)
                .description("1 while settlement is paused by an admin").register(registry));
        registered.add(Gauge.builder("microsettle.ops.snapshot.age", this, g -> g.refreshedOnce
                        ? (System.nanoTime() - g.refreshedNanos) / 1e9 : Double.NaN).baseUnit("seconds")
                .description("Age of the database/chain snapshot the gauges show").register(registry));
        laneNextNonce = MultiGauge.builder("microsettle.nonce.lane.next.nonce").description("A settler key's next nonce").register(registry);
        laneOpen = MultiGauge.builder("microsettle.nonce.lane.open.transactions")
                .description("A settler key's transactions signed or broadcast, not yet mined").register(registry);
        laneStalled = MultiGauge.builder("microsettle.nonce.lane.stalled")
                .description("1 while a settler key's lane has raised settlement.stalled").register(registry);
        leaseHeld = MultiGauge.builder("microsettle.lease.held").description("1 while the replica named by holder holds the lease")
                .register(registry);
        leaseFence = MultiGauge.builder("microsettle.lease.fence").description("A lease's fencing number (grows on each takeover)")
                .register(registry);
    }

    /**
     * Removes this instance's meters from the registry when the application stops. A registry can outlive the
     * application (a test JVM restarts Quarkus for another test profile): a gauge left behind would keep
     * reading this destroyed instance, and the next instance's registration of the same name would get it back.
     */
    @jakarta.annotation.PreDestroy
    void unregister() {
        registered.forEach(registry::remove);
        for (MultiGauge g : List.of(laneNextNonce, laneOpen, laneStalled, leaseHeld, leaseFence)) g.register(List.of(), true);
    }

    @Scheduled(identity = "ops-gauges", every = "1s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (refreshedOnce && System.nanoTime() - refreshedNanos < TimeUnit.MILLISECONDS.toNanos(cfg.metricsRefreshMillis())) return;
        try {
            refresh();
        } catch (RuntimeException e) {
            refreshedNanos = System.nanoTime(); // try again after the interval, not every second
            LOG.warnf("metrics snapshot failed: %s", e.getMessage());
        }
    }

    /** Reads a new snapshot and publishes it (tests call this before scraping). */
    public synchronized Snapshot refresh() {
        Map<CashoutStatus, Long> open = new EnumMap<>(CashoutStatus.class);
        Map<CashoutStatus, Instant> oldest = new EnumMap<>(CashoutStatus.class);
        // the statuses as literals (enum names): the partial cashouts_open_status_idx serves exactly these, and a plan sees that
        // only from the values themselves, not from a parameter
        Db.query(ds, "SELECT status, count(*), min(created_at) FROM cashouts WHERE status IN ("
                + OPEN.stream().map(st -> "'" + st.name() + "'").collect(java.util.stream.Collectors.joining(", ")) + ") GROUP BY status", rs -> {
            CashoutStatus s = CashoutStatus.valueOf(rs.getString(1));
            open.put(s, rs.getLong(2));
            oldest.put(s, Db.instant(rs, 3));
            return s;
        });
        boolean paused = Db.one(ds, "SELECT paused FROM settlement_control WHERE id = 1", rs -> rs.getBoolean(1)).orElse(false);
        long discrepancies = Db.scalar(ds, "SELECT count(*) FROM discrepancies WHERE state = 'OPEN'");
        Optional<Long> cursor = Db.one(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ?", rs -> rs.getLong(1), RECONCILE_CURSOR);
        List<Lane> lanes = Db.query(ds, "SELECT k.address, k.chain_id, k.status, coalesce(n.next_nonce, 0), "
                        + "(SELECT count(*) FROM settlement_txs t WHERE t.from_address = k.address AND t.chain_id = k.chain_id "
                        + "AND t.status IN ('SIGNED', 'BROADCAST')), "
                        + "EXISTS (SELECT 1 FROM settlement_txs t WHERE t.from_address = k.address AND t.chain_id = k.chain_id "
                        + "AND t.status IN ('SIGNED', 'BROADCAST') AND t.stalled_since IS NOT NULL) "
                        + "FROM settler_keys k LEFT JOIN nonce_lanes n ON n.address = k.address AND n.chain_id = k.chain_id "
                        + "ORDER BY k.chain_id, k.address LIMIT ?",
                rs -> new Lane(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getBoolean(6)), MAX_ROWS);
        List<Lease> leases = Db.query(ds, "SELECT name, holder, fence, expires_at > now() FROM leases ORDER BY name LIMIT ?",
                rs -> new Lease(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBoolean(4)), MAX_ROWS);
        Snapshot s = new Snapshot(Instant.now(), Map.copyOf(open), Map.copyOf(oldest), paused,
                cursor.map(OptionalLong::of).orElse(OptionalLong.empty()), headBlock(), discrepancies, List.copyOf(lanes), List.copyOf(leases));
        publish(s);
        return s;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** The head block, only where this replica uses the chain (a replica with settlement and reconcile off never connects). */
    private OptionalLong headBlock() {
        if (!settlement.enabled() && !reconcile.enabled()) return OptionalLong.empty();
        try {
            return OptionalLong.of(chain.web3j().ethBlockNumber().sendAsync().get(cfg.chainTimeoutMillis(), TimeUnit.MILLISECONDS)
                    .getBlockNumber().longValueExact());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            return OptionalLong.empty();
        }
    }

    private void publish(Snapshot s) {
        snapshot = s;
        List<MultiGauge.Row<?>> next = new ArrayList<>(), open = new ArrayList<>(), stalled = new ArrayList<>();
        for (Lane l : s.lanes()) {
            Tags tags = Tags.of("address", l.address(), "chain_id", Long.toString(l.chainId()), "status", l.status());
            next.add(MultiGauge.Row.of(tags, l.nextNonce()));
            open.add(MultiGauge.Row.of(tags, l.openTransactions()));
            stalled.add(MultiGauge.Row.of(tags, l.stalled() ? 1 : 0));
        }
        laneNextNonce.register(next, true);
        laneOpen.register(open, true);
        laneStalled.register(stalled, true);
        List<MultiGauge.Row<?>> held = new ArrayList<>(), fence = new ArrayList<>();
        for (Lease l : s.leases()) {
            held.add(MultiGauge.Row.of(Tags.of("name", l.name(), "holder", l.holder()), l.held() ? 1 : 0));
            fence.add(MultiGauge.Row.of(Tags.of("name", l.name()), l.fence()));
        }
        leaseHeld.register(held, true);
        leaseFence.register(fence, true);
        refreshedNanos = System.nanoTime();
        refreshedOnce = true;
    }
}
