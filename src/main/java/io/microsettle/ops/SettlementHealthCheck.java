package io.microsettle.ops;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.settlement.SettlementConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: no settlement.stalled alert is open (docs/settlement.md, "When an alert fires"). An alert is open
 * <ul>
 * <li>{@code broadcast_failing}, {@code fee_ceiling}: while its transaction is in flight (SIGNED, BROADCAST) with
 * {@code stalled_since}; not while paused (nothing is stalled while paused);</li>
 * <li>{@code nonce_used_elsewhere}: while its key is still an ACTIVE settler (it closes once the key is rotated out);</li>
 * <li>{@code cancelled}: while its batch is open (the no-op not final yet), and for
 * {@code microsettle.settlement.alert-report-millis} after the batch ended.</li>
 * </ul>
 * DOWN names the oldest open alert: lane, nonce, transaction, since when, {@code reason} and detail, with the number
 * of open alerts (at most {@value #MAX_ALERTS} read) and of lanes they are on. Paused settlement shows
 * {@code paused: true}. Two reads, each part of the second bounded and served by the partial index of alerts.
 */
@Readiness
@ApplicationScoped
public class SettlementHealthCheck implements HealthCheck {
    record Alert(String address, long nonce, Instant since, String reason, String detail, String txHash) {}

    static final int MAX_ALERTS = 10;
    private static final String COLUMNS = "SELECT t.from_address, t.nonce, t.stalled_since, t.stalled_reason, t.stalled_detail, t.tx_hash ";
    private static final String PART_END = " ORDER BY t.stalled_since LIMIT " + MAX_ALERTS + ")";
    /** The three kinds of open alert (each transaction in at most one part), oldest first. */
    static final String OPEN_ALERTS = "SELECT * FROM ("
            + "(" + COLUMNS + "FROM settlement_txs t WHERE t.stalled_since IS NOT NULL AND NOT ? AND t.status IN ('SIGNED', 'BROADCAST') "
            + "AND t.stalled_reason NOT IN ('cancelled', 'nonce_used_elsewhere')" + PART_END
            + " UNION ALL (" + COLUMNS + "FROM settlement_txs t WHERE t.stalled_since IS NOT NULL AND t.stalled_reason = 'nonce_used_elsewhere' "
            + "AND NOT EXISTS (SELECT 1 FROM settler_keys k WHERE k.address = t.from_address AND k.chain_id = t.chain_id "
            + "AND k.status <> 'ACTIVE')" + PART_END
            + " UNION ALL (" + COLUMNS + "FROM settlement_txs t JOIN settlement_batches b ON b.id = t.batch_id "
            + "WHERE t.stalled_since IS NOT NULL AND t.stalled_reason = 'cancelled' "
            + "AND (b.status IN ('BATCHED', 'SUBMITTED') OR b.finished_at > ?)" + PART_END
            + ") a ORDER BY stalled_since LIMIT " + MAX_ALERTS;

    @Inject AgroalDataSource ds;
    @Inject SettlementConfig cfg;

    @Override
    public HealthCheckResponse call() {
        try {
            return check();
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            return HealthCheckResponse.named("settlement").down().withData("reason", "database_unavailable")
                    .withData("detail", ChainHealthCheck.clip(root.getMessage())).build();
        }
    }

    private HealthCheckResponse check() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("settlement");
        boolean paused = Db.one(ds, "SELECT paused FROM settlement_control WHERE id = 1", rs -> rs.getBoolean(1)).orElse(false);
        r.withData("paused", paused);
        Instant cancelledSince = Instant.now().minusMillis(cfg.alertReportMillis());
        List<Alert> open = Db.query(ds, OPEN_ALERTS, rs -> new Alert(rs.getString(1), rs.getLong(2), Db.instant(rs, 3), rs.getString(4),
                rs.getString(5), rs.getString(6)), paused, cancelledSince);
        if (open.isEmpty()) return r.up().withData("stalledLanes", 0).withData("alerts", 0).build();
        Alert first = open.getFirst();
        // reason and detail are the settlement.stalled alert's, written in the same commit as the mark
        r.down().withData("stalledLanes", open.stream().map(Alert::address).distinct().count()).withData("alerts", open.size())
                .withData("address", first.address()).withData("nonce", first.nonce())
                .withData("txHash", first.txHash() == null ? "" : first.txHash())
                .withData("stalledSince", first.since().toString())
                .withData("reason", first.reason()).withData("detail", ChainHealthCheck.clip(first.detail()));
        return r.build();
    }
}
