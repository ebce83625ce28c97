package io.microsettle.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microsettle.cashout.CashoutMetrics;
import io.microsettle.cashout.CashoutStatus;
import io.microsettle.settlement.SettlementMetrics;
import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Without a chain (the shared test boot): what a feature reports counts once its transaction commits and not
 * at all when it rolls back; the database gauges come from a snapshot that never touches the chain on a
 * replica that runs neither settlement nor reconcile; every response carries a request id.
 */
@QuarkusTest
class OpsMetricsTest {
    @Inject CashoutMetrics cashoutMetrics;
    @Inject SettlementMetrics settlementMetrics;
    @Inject OpsGauges gauges;
    @Inject AgroalDataSource ds;

    @Test
    void countedAfterCommitNeverAfterRollback() {
        PrometheusText before = scrape();
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            settlementMetrics.batchCreated(7);
            settlementMetrics.transactionMined(50_000, BigInteger.TEN);
            cashoutMetrics.cashoutsMoved(CashoutStatus.FAILED, List.of(Instant.now().minusSeconds(3)));
            throw new IllegalStateException("rolled back");
        })).hasMessage("rolled back");
        PrometheusText rolledBack = scrape();
        assertThat(delta(before, rolledBack, "microsettle_settlement_batch_payouts_count", Map.of())).isZero();
        assertThat(delta(before, rolledBack, "microsettle_settlement_gas_used_total", Map.of())).isZero();
        assertThat(delta(before, rolledBack, "microsettle_cashout_transitions_total", Map.of("to", "FAILED"))).isZero();

        QuarkusTransaction.requiringNew().run(() -> {
            settlementMetrics.batchCreated(7);
            settlementMetrics.transactionMined(50_000, BigInteger.TEN);
            cashoutMetrics.cashoutsMoved(CashoutStatus.FAILED, List.of(Instant.now().minusSeconds(3)));
        });
        PrometheusText committed = scrape();
        assertThat(delta(rolledBack, committed, "microsettle_settlement_batch_payouts_count", Map.of())).isEqualTo(1);
        assertThat(delta(rolledBack, committed, "microsettle_settlement_batch_payouts_sum", Map.of())).isEqualTo(7);
        assertThat(delta(rolledBack, committed, "microsettle_settlement_gas_used_total", Map.of())).isEqualTo(50_000);
        assertThat(delta(rolledBack, committed, "microsettle_settlement_fees_paid_wei_total", Map.of())).isEqualTo(500_000);
        assertThat(delta(rolledBack, committed, "microsettle_cashout_transitions_total", Map.of("to", "FAILED"))).isEqualTo(1);
        assertThat(delta(rolledBack, committed, "microsettle_cashout_age_at_transition_seconds_sum", Map.of("to", "FAILED")))
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void theSnapshotReadsTheDatabaseAndLeavesTheChainAloneWhenThisReplicaDoesNotUseIt() {
        OpsGauges.Snapshot s = gauges.refresh();
        assertThat(s.headBlock()).isEmpty(); // settlement and reconcile are off in this boot: no dev chain was started for it
        assertThat(Double.isNaN(s.reconcileLagBlocks())).isTrue();
        assertThat(s.paused()).isFalse();
        PrometheusText m = scrape();
        for (CashoutStatus status : OpsGauges.OPEN) {
            assertThat(m.series("microsettle_cashouts_open", Map.of("status", status.name()))).as(status.name()).hasSize(1);
            assertThat(m.sum("microsettle_cashouts_open", Map.of("status", status.name())))
                    .isEqualTo((double) s.open().getOrDefault(status, 0L));
        }
        assertThat(m.sum("microsettle_ops_snapshot_age_seconds")).isGreaterThanOrEqualTo(0);
        assertThat(m.sum("microsettle_reconcile_discrepancies_open")).isEqualTo((double) s.openDiscrepancies());
    }

    @Test
    void openDiscrepanciesAreCounted() {
        long before = gauges.refresh().openDiscrepancies();
        // a discrepancy seen inside a transaction that is then rolled back: nothing stays in the shared database
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            Db.update(ds, "INSERT INTO discrepancies (kind, detail) VALUES ('UNKNOWN_PAYOUT', 'ops metrics test')");
            Db.update(ds, "INSERT INTO discrepancies (kind, detail, state, acknowledged_by, acknowledged_at, acknowledge_note) "
                    + "VALUES ('UNKNOWN_PAYOUT', 'ops metrics test', 'ACKNOWLEDGED', 'ops-test', now(), 'acknowledged')");
            assertThat(gauges.refresh().openDiscrepancies()).isEqualTo(before + 1);
            assertThat(scrape().sum("microsettle_reconcile_discrepancies_open")).isEqualTo((double) before + 1);
            throw new IllegalStateException("rolled back");
        })).hasMessage("rolled back");
        assertThat(gauges.refresh().openDiscrepancies()).isEqualTo(before);
    }

    @Test
    void everyResponseCarriesARequestIdAndAShortCallerChosenOneIsKept() {
        String token = Tokens.integrator("request-id-test");
        assertThat(Api.as(token).get("/v1/cashouts").then().statusCode(200).extract().header(RequestContext.HEADER)).startsWith("req_");
        assertThat(Api.as(token).header(RequestContext.HEADER, "trace-7.a:b").get("/v1/cashouts").then().statusCode(200).extract()
                .header(RequestContext.HEADER)).isEqualTo("trace-7.a:b");
        // anything but a short token is replaced (it would go into every log line of the request)
        assertThat(Api.as(token).header(RequestContext.HEADER, "no spaces or quotes\"").get("/v1/cashouts").then().statusCode(200)
                .extract().header(RequestContext.HEADER)).startsWith("req_");
        assertThat(Api.as(token).header(RequestContext.HEADER, "x".repeat(65)).get("/v1/cashouts").then().statusCode(200)
                .extract().header(RequestContext.HEADER)).startsWith("req_");
    }

    static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }
}
