package io.microsettle.risk;

import io.agroal.api.AgroalDataSource;
import io.microsettle.account.VerificationLevel;
import io.microsettle.infra.CapacityReservations;
import io.microsettle.infra.Db;
import io.microsettle.ledger.LedgerAccount;
import io.microsettle.risk.rules.AnomalyContext;
import io.microsettle.risk.rules.AnomalyEngine;
import io.microsettle.risk.rules.AnomalyThresholds;
import io.microsettle.risk.rules.AnomalyVerdict;
import io.microsettle.risk.rules.LevelLimits;
import io.microsettle.risk.rules.LimitChecker;
import io.microsettle.risk.rules.LimitOutcome;
import io.microsettle.risk.rules.LimitRequest;
import io.microsettle.risk.rules.Limits;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Array;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Risk of one cash-out request: the limits in force ({@link LimitChecker}, refusing with
 * {@link LimitRefusal}) and the anomaly rules ({@link AnomalyEngine}). The integrator's daily volume
 * is a capacity reserved before the request's transaction ({@link #reserveVolume}); the account's
 * own totals and the anomaly facts are read in the transaction with one statement, once the caller
 * holds the account's lock, so concurrent requests of one account see each other.
 */
@ApplicationScoped
public class RiskService {
    /** Statuses that do not count towards limits or history. */
    static final String LIVE = "status NOT IN ('REJECTED', 'FAILED')";

    @Inject
    LimitSets limits;
    @Inject
    RiskConfig config;
    @Inject
    AgroalDataSource ds;
    @Inject
    CapacityReservations capacities;

    private AnomalyEngine engine;

    @PostConstruct
    void init() {
        engine = AnomalyEngine.standard(thresholds(config));
    }

    static AnomalyThresholds thresholds(RiskConfig c) {
        return new AnomalyThresholds(c.newWalletWindowSeconds() * 1000, c.largeAmountBaseUnits(), c.historyReference(),
                c.historyMultiplierPercent(), c.historyMinSize(), c.historyMinAmountBaseUnits(), c.sharedDestinationMinAccounts(),
                c.sharedDestinationWindowSeconds() * 1000, c.creditBurstBps(), c.creditBurstWindowSeconds() * 1000,
                c.creditBurstMinAmountBaseUnits(), new LinkedHashSet<>(c.deniedDestinations().orElse(List.of())));
    }

    public AnomalyThresholds thresholds() {
        return engine.thresholds();
    }

    /** Who is cashing out, as the request read it (the account's lock is held when it is assessed). */
    public record Subject(String accountId, String integratorId, VerificationLevel level, Instant verifiedAt, Instant createdAt) {}

    /** A cash-out's share of the integrator's daily volume: commit once its transaction committed, give back otherwise. */
    public record VolumeReservation(CapacityReservations.Grant grant, long grossBaseUnits) {
        /** The integrator's volume of the day without this cash-out, at most (what the limit check counts as used). */
        public long othersBoundBaseUnits() {
            return Math.max(0, grant.usageAfterBaseUnits() - grossBaseUnits);
        }

        public void commit() {
            grant.commit();
        }

        public void giveBack() {
            grant.giveBack();
        }
    }

    /**
     * The limits a quote can be refused by already (verification level, per-cash-out minimum and
     * maximum): 422 {@code limit_exceeded} / {@code verification_required} at the quote, as at the cash-out.
     */
    public void checkAtQuote(VerificationLevel level, long grossBaseUnits) {
        LimitOutcome o = new LimitChecker(limits.current().limits()).checkAmount(level, grossBaseUnits);
        if (o instanceof LimitOutcome.Refused r) throw new LimitRefusal(r);
    }

    /**
     * Reserves {@code grossBaseUnits} of the integrator's volume of the UTC day, outside any
     * transaction; refuses with the limit the account's level sets (422 {@code limit_exceeded}).
     */
    public VolumeReservation reserveVolume(String integratorId, VerificationLevel level, long grossBaseUnits, Instant now) {
        LimitChecker checker = new LimitChecker(limits.current().limits());
        LevelLimits own = checker.limits().forLevel(level).orElse(null);
        if (own == null) throw new LimitRefusal((LimitOutcome.Refused) checker.checkAmount(level, grossBaseUnits));
        long ceiling = ceiling(checker.limits());
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        var capacity = new CapacityReservations.Capacity("volume:" + integratorId + ":" + day, ceiling,
                Math.max(1, ceiling / 1000 * config.volumeReservationChunkPermille()), config.volumeReservationLeaseMillis(),
                () -> Db.scalar(ds, "SELECT coalesce(sum(gross_base_units), 0) FROM cashouts WHERE integrator_id = ? "
                        + "AND created_at >= ? AND " + LIVE, integratorId, dayStart));
        try {
            return new VolumeReservation(capacities.take(capacity, grossBaseUnits, own.integratorDailyVolumeBaseUnits()), grossBaseUnits);
        } catch (CapacityReservations.ExhaustedException e) {
            long used = Math.max(0, Math.min(e.exhausted().usageBaseUnits(), own.integratorDailyVolumeBaseUnits()));
            LimitOutcome o = checker.check(new LimitRequest(level, grossBaseUnits, 0, 0, used));
            if (o instanceof LimitOutcome.Refused r) throw new LimitRefusal(r);
            throw new IllegalStateException("the daily volume was refused but the limit check passes: " + e.exhausted());
        }
    }

    /** The highest daily volume any level allows: what the integrator's volume capacity is reserved under. */
    static long ceiling(Limits l) {
        return l.byLevel().values().stream().mapToLong(LevelLimits::integratorDailyVolumeBaseUnits).max().orElse(0);
    }

    /**
     * Checks the limits (throws {@link LimitRefusal}) and returns the anomaly verdict, in the
     * request's transaction, with the account's row locked by the caller. {@code volume} is the
     * integrator's daily-volume reservation for this cash-out.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public AnomalyVerdict assess(Subject s, long grossBaseUnits, String destination, Instant now, VolumeReservation volume) {
        AnomalyThresholds t = engine.thresholds();
        Facts f = facts(s, grossBaseUnits, destination, now, t);
        LimitChecker checker = new LimitChecker(limits.current().limits());
        LimitOutcome outcome = checker.check(new LimitRequest(s.level(), grossBaseUnits, f.account24hAmount(), f.account24hCount(),
                volume.othersBoundBaseUnits()));
        if (outcome instanceof LimitOutcome.Refused r) throw new LimitRefusal(r);
        Instant bound = s.verifiedAt() != null ? s.verifiedAt() : s.createdAt();
        return engine.evaluate(new AnomalyContext(s.accountId(), grossBaseUnits, destination, now.toEpochMilli(),
                bound.toEpochMilli(), f.history(), f.otherAccountsToDestination(), f.creditedInBurstWindow()));
    }

    record Facts(long account24hAmount, int account24hCount, int otherAccountsToDestination, long creditedInBurstWindow,
                 List<Long> history) {}

    /**
     * Every windowed total and the account's recent history in one statement. The credit sum and the
     * history are read only when their rule can fire for this gross (an uncorrelated subquery under a
     * false CASE branch is never executed). The credits are one range of a partial index (V18).
     */
    private Facts facts(Subject s, long grossBaseUnits, String destination, Instant now, AnomalyThresholds t) {
        return Db.one(ds, "SELECT"
                        + " (SELECT coalesce(sum(gross_base_units), 0) FROM cashouts WHERE account_id = ? AND created_at >= ? AND " + LIVE + "),"
                        + " (SELECT count(*) FROM cashouts WHERE account_id = ? AND created_at >= ? AND " + LIVE + "),"
                        + " (SELECT count(DISTINCT account_id) FROM cashouts WHERE destination = ? AND account_id <> ?"
                        + "     AND created_at >= ? AND " + LIVE + "),"
                        + " CASE WHEN ? THEN (SELECT coalesce(sum(amount_base_units), 0) FROM ledger_postings"
                        + "     WHERE ledger_account = ? AND created_at >= ? AND entry_kind = 'CREDIT') ELSE 0 END,"
                        + " CASE WHEN ? THEN ARRAY(SELECT gross_base_units FROM cashouts WHERE account_id = ? AND " + LIVE
                        + "     ORDER BY created_at DESC LIMIT " + AnomalyThresholds.MAX_HISTORY_SIZE + ") ELSE '{}'::bigint[] END",
                rs -> new Facts(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getLong(4), longs(rs.getArray(5))),
                s.accountId(), now.minusSeconds(24 * 3600), s.accountId(), now.minusSeconds(24 * 3600),
                destination, s.accountId(), now.minusMillis(t.sharedDestinationWindowMillis()),
                t.creditBurstCanFire(grossBaseUnits), LedgerAccount.userAvailable(s.accountId()).key(),
                now.minusMillis(t.creditBurstWindowMillis()),
                t.historyCanFire(grossBaseUnits), s.accountId()).orElseThrow();
    }

    private static List<Long> longs(Array array) throws java.sql.SQLException {
        Object[] values = (Object[]) array.getArray();
        List<Long> out = new ArrayList<>(values.length);
        for (Object v : values) out.add(((Number) v).longValue());
        return out;
    }
}
