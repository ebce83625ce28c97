package io.microsettle.cashout;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Read-only figures over all integrators' cash-outs for operators: counts by status, and settled volume, fees and latency over time. */
@ApplicationScoped
public class CashoutStats {

    /** One bucket of settled cash-outs (by {@code settled_at}); latencies are POST-to-SETTLED, null in an empty bucket. */
    public record Bucket(Instant start, long settledCount, BigDecimal settledGrossBaseUnits, BigDecimal feeBaseUnits,
                         Double latencyP50Millis, Double latencyP95Millis, Double latencyMaxMillis) {
        static Bucket empty(Instant start) {
            return new Bucket(start, 0, BigDecimal.ZERO, BigDecimal.ZERO, null, null, null);
        }
    }

    static final String LATENCY_MILLIS = "(extract(epoch FROM settled_at - created_at) * 1000)::float8";

    /** One SQL aggregate: settled cash-outs of the window grouped into epoch-aligned buckets (never more than the window's). */
    static final String SERIES = "SELECT to_timestamp(floor(extract(epoch FROM settled_at) / ?) * ?) AS bucket, count(*), "
            + "sum(gross_base_units), sum(fee_base_units), "
            + "percentile_cont(0.5) WITHIN GROUP (ORDER BY " + LATENCY_MILLIS + "), "
            + "percentile_cont(0.95) WITHIN GROUP (ORDER BY " + LATENCY_MILLIS + "), max(" + LATENCY_MILLIS + ") "
            + "FROM cashouts WHERE status = 'SETTLED' AND settled_at >= ? AND settled_at < ? GROUP BY bucket ORDER BY bucket";

    @Inject
    AgroalDataSource ds;

    /** Every status with its number of cash-outs (zero included; REQUESTED is internal and left out). */
    @Transactional
    public Map<CashoutStatus, Long> countsByStatus() {
        Map<CashoutStatus, Long> counts = new EnumMap<>(CashoutStatus.class);
        Arrays.stream(CashoutStatus.values()).filter(s -> s != CashoutStatus.REQUESTED).forEach(s -> counts.put(s, 0L));
        Db.query(ds, "SELECT status, count(*) FROM cashouts GROUP BY status", rs -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> {
                    CashoutStatus s = CashoutStatus.valueOf(e.getKey());
                    if (s != CashoutStatus.REQUESTED) counts.put(s, e.getValue());
                });
        return counts;
    }

    /** The window's buckets in order, empty ones included. */
    @Transactional
    public List<Bucket> settlementSeries(SettlementSeriesWindow w) {
        Bucket[] out = new Bucket[w.buckets()];
        double size = w.bucketSeconds();
        Db.query(ds, SERIES, rs -> new Bucket(Db.instant(rs, 1), rs.getLong(2), rs.getBigDecimal(3), rs.getBigDecimal(4),
                        (Double) rs.getObject(5), (Double) rs.getObject(6), (Double) rs.getObject(7)),
                size, size, Timestamp.from(w.from()), Timestamp.from(w.to()))
                .forEach(b -> {
                    int i = w.indexOf(b.start());
                    if (i >= 0) out[i] = b;
                });
        List<Bucket> buckets = new ArrayList<>(w.buckets());
        for (int i = 0; i < out.length; i++) buckets.add(out[i] != null ? out[i] : Bucket.empty(w.bucketStart(i)));
        return buckets;
    }
}
