package io.microsettle.cashout;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GET /v1/ops/cashout-counts and /v1/ops/settlement-series: figures over rows written with known times and amounts. */
@QuarkusTest
class CashoutOpsApiTest {
    @Inject
    AgroalDataSource ds;

    final String integrator = "ops-" + UUID.randomUUID().toString().substring(0, 8);
    final List<String> written = new ArrayList<>();

    static String operator() {
        return Tokens.of("olga", "operator");
    }

    @AfterEach
    void removeRows() {
        for (String co : written) {
            String suffix = co.substring("co_".length());
            Db.update(ds, "DELETE FROM cashouts WHERE id = ?", co);
            Db.update(ds, "DELETE FROM quotes WHERE id = ?", "quote_" + suffix);
            Db.update(ds, "DELETE FROM accounts WHERE id = ?", "acct_" + suffix);
        }
    }

    /** A cash-out row in {@code status}, created {@code latency} before {@code settledAt} (null: not settled). */
    String cashout(String status, long gross, long fee, Instant settledAt, Duration latency) {
        String suffix = UUID.randomUUID().toString().replace("-", "");
        String acct = "acct_" + suffix;
        String quote = "quote_" + suffix;
        String co = "co_" + suffix;
        Instant created = settledAt == null ? Instant.now() : settledAt.minus(latency);
        String wallet = "0x" + suffix.substring(0, 32) + "00000000";
        Db.update(ds, "INSERT INTO accounts (id, integrator_id, external_ref, verification_level, wallet, created_at, updated_at) "
                + "VALUES (?, ?, ?, 'BASIC', ?, now(), now())", acct, integrator, acct, wallet);
        Db.update(ds, "INSERT INTO quotes (id, integrator_id, account_id, gross_base_units, service_fee_base_units, network_fee_base_units, "
                + "fee_base_units, net_base_units, destination, chain_id, escrow_address, deadline_epoch_seconds, expires_at, created_at) "
                + "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, 1337, ?, 0, now(), now())", quote, integrator, acct, gross, fee, fee, gross - fee, wallet,
                wallet);
        Db.update(ds, "INSERT INTO cashouts (id, integrator_id, account_id, quote_id, status, gross_base_units, fee_base_units, "
                + "net_base_units, destination, wallet, signature, created_at, updated_at, settled_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0x', ?, now(), ?)", co, integrator, acct, quote, status, gross, fee, gross - fee, wallet,
                wallet, Timestamp.from(created), settledAt == null ? null : Timestamp.from(settledAt));
        written.add(co);
        return co;
    }

    @Test
    void countsEveryStatus() {
        JsonNode before = counts();
        assertThat(before.path("counts").fieldNames()).toIterable()
                .containsExactly("QUEUED", "HELD", "REJECTED", "BATCHED", "SUBMITTED", "CONFIRMED", "SETTLED", "FAILED");
        Instant t = Instant.now().minus(Duration.ofMinutes(5));
        cashout("SETTLED", 1_000_000, 10_000, t, Duration.ofSeconds(3));
        cashout("SETTLED", 2_000_000, 20_000, t, Duration.ofSeconds(4));
        cashout("FAILED", 3_000_000, 30_000, null, null);
        JsonNode after = counts();
        assertThat(after.at("/counts/SETTLED").asLong() - before.at("/counts/SETTLED").asLong()).isEqualTo(2);
        assertThat(after.at("/counts/FAILED").asLong() - before.at("/counts/FAILED").asLong()).isEqualTo(1);
        assertThat(after.at("/counts/QUEUED").asLong()).isEqualTo(before.at("/counts/QUEUED").asLong());
        assertThat(after.path("total").asLong() - before.path("total").asLong()).isEqualTo(3);
    }

    @Test
    void seriesBucketsSettledVolumeFeesAndLatency() {
        // 100 hours ago no other test settles anything: the bucket holds exactly these three
        Instant hour = Instant.ofEpochSecond(Math.floorDiv(Instant.now().minus(Duration.ofHours(100)).getEpochSecond(), 3600) * 3600);
        cashout("SETTLED", 1_000_000, 10_000, hour.plusSeconds(60), Duration.ofMillis(1000));
        cashout("SETTLED", 2_000_000, 20_000, hour.plusSeconds(1200), Duration.ofMillis(2000));
        cashout("SETTLED", 4_000_000, 40_000, hour.plusSeconds(3599), Duration.ofMillis(6000));
        cashout("FAILED", 8_000_000, 80_000, null, null);  // not settled: not in the series
        cashout("SETTLED", 16_000_000, 160_000, hour.plusSeconds(3600), Duration.ofMillis(500));  // the next bucket

        JsonNode s = Api.json(as(operator()).get("/v1/ops/settlement-series?hours=168&bucketMinutes=60").then().statusCode(200)
                .extract().asString());
        assertThat(s.path("bucketSeconds").asLong()).isEqualTo(3600);
        JsonNode buckets = s.path("buckets");
        assertThat(buckets.size()).isEqualTo(168);
        assertThat(Instant.parse(s.path("to").asText())).isAfter(Instant.now());
        JsonNode b = null;
        JsonNode next = null;
        for (int i = 0; i < buckets.size(); i++) {
            if (Instant.parse(buckets.get(i).path("start").asText()).equals(hour)) {
                b = buckets.get(i);
                next = buckets.get(i + 1);
            }
        }
        assertThat(b).as(s.toString()).isNotNull();
        assertThat(b.path("settledCount").asLong()).isEqualTo(3);
        assertThat(b.path("settledGross").asText()).isEqualTo("7000000");
        assertThat(b.path("fees").asText()).isEqualTo("70000");
        assertThat(b.path("latencyP50Millis").asDouble()).isEqualTo(2000.0);
        assertThat(b.path("latencyP95Millis").asDouble()).isEqualTo(5600.0);  // percentile_cont: 2000 + 0.9 × (6000 − 2000)
        assertThat(b.path("latencyMaxMillis").asDouble()).isEqualTo(6000.0);
        assertThat(next.path("settledCount").asLong()).isEqualTo(1);
        assertThat(next.path("settledGross").asText()).isEqualTo("16000000");
        assertThat(next.path("latencyMaxMillis").asDouble()).isEqualTo(500.0);
        // an empty bucket: zeros and no latency
        JsonNode empty = buckets.get(0);
        if (empty.path("settledCount").asLong() == 0) {
            assertThat(empty.path("settledGross").asText()).isEqualTo("0");
            assertThat(empty.path("latencyP50Millis").isNull()).isTrue();
        }
    }

    @Test
    void seriesRefusesUnboundedRangesAndNonOperators() {
        for (String q : List.of("hours=0", "hours=169", "hours=abc", "hours=168&bucketMinutes=1", "bucketMinutes=0", "bucketMinutes=1441")) {
            as(operator()).get("/v1/ops/settlement-series?" + q).then().statusCode(400)
                    .contentType("application/problem+json");
        }
        RestAssured.given().get("/v1/ops/settlement-series").then().statusCode(401);
        as(Tokens.integrator("demo")).get("/v1/ops/settlement-series").then().statusCode(403);
        as(Tokens.integrator("demo")).get("/v1/ops/cashout-counts").then().statusCode(403);
        as(Tokens.of("alice", "admin")).get("/v1/ops/cashout-counts").then().statusCode(200);
    }

    static JsonNode counts() {
        return Api.json(as(operator()).get("/v1/ops/cashout-counts").then().statusCode(200).extract().asString());
    }
}
