package io.microsettle.cashout;

import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Read-only cash-out figures across integrators for operators (the dashboard's status table and charts). */
@Path("/v1/ops")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.OPERATOR, Roles.ADMIN})
public class CashoutOpsResource {
    public record StatusCounts(Map<String, Long> counts, long total) {}

    public record BucketView(Instant start, long settledCount, String settledGross, String fees, Double latencyP50Millis,
                             Double latencyP95Millis, Double latencyMaxMillis) {}

    public record SeriesView(Instant from, Instant to, long bucketSeconds, List<BucketView> buckets) {}

    @Inject
    CashoutStats stats;

    @GET
    @Path("/cashout-counts")
    @Operation(summary = "The number of cash-outs in each status, all integrators")
    public StatusCounts counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        stats.countsByStatus().forEach((s, n) -> counts.put(s.name(), n));
        return new StatusCounts(counts, counts.values().stream().mapToLong(Long::longValue).sum());
    }

    @GET
    @Path("/settlement-series")
    @Operation(summary = "Settled cash-outs over time, all integrators: per bucket (by settledAt) the count, gross volume, fees "
            + "(base units) and POST-to-SETTLED latency p50/p95/max; hours 1..168 (default 24), bucketMinutes 1..1440 "
            + "(default: at most 96 buckets), at most 500 buckets")
    public SeriesView series(@QueryParam("hours") String hours, @QueryParam("bucketMinutes") String bucketMinutes) {
        SettlementSeriesWindow w = SettlementSeriesWindow.of(hours, bucketMinutes, Instant.now());
        List<BucketView> buckets = stats.settlementSeries(w).stream()
                .map(b -> new BucketView(b.start(), b.settledCount(), b.settledGrossBaseUnits().toBigInteger().toString(),
                        b.feeBaseUnits().toBigInteger().toString(), b.latencyP50Millis(), b.latencyP95Millis(), b.latencyMaxMillis()))
                .toList();
        return new SeriesView(w.from(), w.to(), w.bucketSeconds(), buckets);
    }
}
