package io.microsettle.cashout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microsettle.infra.ApiException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SettlementSeriesWindowTest {
    static final Instant NOW = Instant.parse("2026-12-06T10:17:42Z");

    @Test
    void defaultsToADayInAtMost96AlignedBuckets() {
        SettlementSeriesWindow w = SettlementSeriesWindow.of(null, null, NOW);
        assertThat(w.bucketSeconds()).isEqualTo(15 * 60);
        assertThat(w.buckets()).isEqualTo(96);
        assertThat(w.to()).isEqualTo(Instant.parse("2026-12-06T10:30:00Z"));
        assertThat(w.from()).isEqualTo(Instant.parse("2026-12-05T10:30:00Z"));
        assertThat(w.bucketStart(95)).isEqualTo(Instant.parse("2026-12-06T10:15:00Z"));
    }

    @Test
    void picksTheSmallestDefaultBucketForTheRange() {
        assertThat(SettlementSeriesWindow.of("1", null, NOW).bucketSeconds()).isEqualTo(60);
        assertThat(SettlementSeriesWindow.of("1", null, NOW).buckets()).isEqualTo(60);
        assertThat(SettlementSeriesWindow.of("6", null, NOW).bucketSeconds()).isEqualTo(5 * 60);
        assertThat(SettlementSeriesWindow.of("168", null, NOW).bucketSeconds()).isEqualTo(120 * 60);
        assertThat(SettlementSeriesWindow.of("168", null, NOW).buckets()).isEqualTo(84);
    }

    @Test
    void explicitBucketsAreBoundedInNumber() {
        SettlementSeriesWindow w = SettlementSeriesWindow.of("3", "60", NOW);
        assertThat(w.buckets()).isEqualTo(3);
        assertThat(w.from()).isEqualTo(Instant.parse("2026-12-06T08:00:00Z"));
        assertThat(SettlementSeriesWindow.of("8", "1", NOW).buckets()).isEqualTo(480);
        assertThatThrownBy(() -> SettlementSeriesWindow.of("9", "1", NOW)).isInstanceOf(ApiException.class)
                .hasMessageContaining("540 buckets");
    }

    @Test
    void refusesRangesOutsideTheLimits() {
        for (String bad : new String[] {"0", "169", "-1", "x", "1.5", ""}) {
            assertThatThrownBy(() -> SettlementSeriesWindow.of(bad, null, NOW)).as(bad).isInstanceOf(ApiException.class);
        }
        assertThatThrownBy(() -> SettlementSeriesWindow.of("1", "0", NOW)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> SettlementSeriesWindow.of("1", "1441", NOW)).isInstanceOf(ApiException.class);
    }

    @Test
    void indexesBucketStartsOnTheGridOnly() {
        SettlementSeriesWindow w = SettlementSeriesWindow.of("3", "60", NOW);
        assertThat(w.indexOf(Instant.parse("2026-12-06T08:00:00Z"))).isZero();
        assertThat(w.indexOf(Instant.parse("2026-12-06T10:00:00Z"))).isEqualTo(2);
        assertThat(w.indexOf(Instant.parse("2026-12-06T11:00:00Z"))).isEqualTo(-1);
        assertThat(w.indexOf(Instant.parse("2026-12-06T07:00:00Z"))).isEqualTo(-1);
        assertThat(w.indexOf(Instant.parse("2026-12-06T08:30:00Z"))).isEqualTo(-1);
    }
}
