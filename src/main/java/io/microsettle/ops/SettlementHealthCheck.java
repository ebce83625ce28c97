package io.microsettle.ops;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: no settler lane is stalled (a transaction in flight carries {@code stalled_since}: the
 * settlement.stalled alert of docs/settlement.md). DOWN names the lane, nonce, since when, and the
 * alert's {@code reason} (broadcast_failing, fee_ceiling, cancelled, nonce_used_elsewhere) and detail.
 * Paused settlement is UP with {@code paused: true} (nothing is stalled while paused). Two indexed reads.
 */
@Readiness
@ApplicationScoped
public class SettlementHealthCheck implements HealthCheck {
    record Stalled(String address, long nonce, Instant since, String reason, String detail) {}

    @Inject AgroalDataSource ds;

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
        List<Stalled> stalled = Db.query(ds, "SELECT from_address, nonce, stalled_since, stalled_reason, stalled_detail FROM settlement_txs "
                        + "WHERE status IN ('SIGNED', 'BROADCAST') AND stalled_since IS NOT NULL ORDER BY stalled_since LIMIT 10",
                rs -> new Stalled(rs.getString(1), rs.getLong(2), Db.instant(rs, 3), rs.getString(4), rs.getString(5)));
        if (paused || stalled.isEmpty()) return r.up().withData("stalledLanes", 0).build();
        Stalled first = stalled.getFirst();
        // reason and detail are the settlement.stalled alert's, written in the same commit as the mark
        r.down().withData("stalledLanes", stalled.stream().map(Stalled::address).distinct().count())
                .withData("address", first.address()).withData("nonce", first.nonce())
                .withData("stalledSince", first.since().toString())
                .withData("reason", first.reason()).withData("detail", ChainHealthCheck.clip(first.detail()));
        return r.build();
    }
}
