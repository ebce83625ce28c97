package io.microsettle.risk;

import io.microsettle.account.Account;
import io.microsettle.ledger.LedgerAccount;
import io.microsettle.risk.rules.AnomalyContext;
import io.microsettle.risk.rules.AnomalyEngine;
import io.microsettle.risk.rules.AnomalyThresholds;
import io.microsettle.risk.rules.AnomalyVerdict;
import io.microsettle.risk.rules.LimitChecker;
import io.microsettle.risk.rules.LimitOutcome;
import io.microsettle.risk.rules.LimitRequest;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Risk of one cash-out request, in its transaction: the limits in force ({@link LimitChecker},
 * refusing with {@link LimitRefusal}) and the anomaly rules ({@link AnomalyEngine}) on facts
 * gathered with a few queries. The account's row is locked first, so concurrent requests of one
 * account see each other's totals.
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
    EntityManager em;

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

    /** Checks the limits (throws {@link LimitRefusal}) and returns the anomaly verdict. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Assessment assess(Account account, long grossBaseUnits, String destination, Instant now) {
        em.createNativeQuery("SELECT id FROM accounts WHERE id = ?1 FOR UPDATE").setParameter(1, account.id).getResultList();
        AnomalyThresholds t = engine.thresholds();
        // Every windowed total in one statement: the account's 24 h gross and count, the
        // integrator's volume today (UTC), other accounts paying this destination, credits in the burst window.
        Timestamp dayStart = Timestamp.from(LocalDate.ofInstant(now, ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant());
        Object[] f = (Object[]) em.createNativeQuery("SELECT"
                        + " (SELECT coalesce(sum(gross_base_units), 0) FROM cashouts WHERE account_id = ?1 AND created_at >= ?2 AND " + LIVE + "),"
                        + " (SELECT count(*) FROM cashouts WHERE account_id = ?1 AND created_at >= ?2 AND " + LIVE + "),"
                        + " (SELECT coalesce(sum(gross_base_units), 0) FROM cashouts WHERE integrator_id = ?3 AND created_at >= ?4 AND " + LIVE + "),"
                        + " (SELECT count(DISTINCT account_id) FROM cashouts WHERE destination = ?5 AND account_id <> ?1"
                        + "     AND created_at >= ?6 AND " + LIVE + "),"
                        + " (SELECT coalesce(sum(p.amount_base_units), 0) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
                        + "     WHERE p.ledger_account = ?7 AND p.created_at >= ?8 AND e.kind = 'CREDIT')")
                .setParameter(1, account.id)
                .setParameter(2, Timestamp.from(now.minusSeconds(24 * 3600)))
                .setParameter(3, account.integratorId)
                .setParameter(4, dayStart)
                .setParameter(5, destination)
                .setParameter(6, Timestamp.from(now.minusMillis(t.sharedDestinationWindowMillis())))
                .setParameter(7, LedgerAccount.userAvailable(account.id).key())
                .setParameter(8, Timestamp.from(now.minusMillis(t.creditBurstWindowMillis())))
                .getSingleResult();
        LimitChecker checker = new LimitChecker(limits.current().limits());
        LimitRequest request = new LimitRequest(account.verificationLevel,
                grossBaseUnits, ((Number) f[0]).longValue(), ((Number) f[1]).intValue(), ((Number) f[2]).longValue());
        LimitOutcome outcome = checker.check(request);
        if (outcome instanceof LimitOutcome.Refused r) throw new LimitRefusal(r);

        @SuppressWarnings("unchecked")
        List<Object> history = em.createNativeQuery("SELECT gross_base_units FROM cashouts WHERE account_id = ?1 AND " + LIVE
                        + " ORDER BY created_at DESC LIMIT " + AnomalyThresholds.MAX_HISTORY_SIZE)
                .setParameter(1, account.id).getResultList();
        List<Long> past = new ArrayList<>(history.size());
        for (Object o : history) past.add(((Number) o).longValue());
        int others = ((Number) f[3]).intValue();
        long credited = ((Number) f[4]).longValue();
        Instant bound = account.verifiedAt != null ? account.verifiedAt : account.createdAt;
        return new Assessment(engine.evaluate(new AnomalyContext(account.id, grossBaseUnits, destination, now.toEpochMilli(),
                bound.toEpochMilli(), past, others, credited)), checker, request, dayStart);
    }

    /** The anomaly verdict and what the limits were checked with (for {@link #recheckIntegratorVolume}). */
    public record Assessment(AnomalyVerdict verdict, LimitChecker checker, LimitRequest request, Timestamp dayStart) {}

    /**
     * Checks the integrator's daily volume again once the caller holds the per-integrator lock
     * (taken by the escrow funding check) and has written this cash-out: accounts of one
     * integrator are not serialised by the account lock, so the first check may have raced.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recheckIntegratorVolume(Assessment a, String integratorId) {
        long volume = ((Number) em.createNativeQuery("SELECT coalesce(sum(gross_base_units), 0) FROM cashouts"
                        + " WHERE integrator_id = ?1 AND created_at >= ?2 AND " + LIVE)
                .setParameter(1, integratorId).setParameter(2, a.dayStart()).getSingleResult()).longValue();
        LimitRequest r = a.request();
        long others = Math.max(0, volume - r.amountBaseUnits()); // this cash-out is already written
        if (others == r.integratorDailyVolumeBaseUnits()) return;
        LimitOutcome outcome = a.checker().check(new LimitRequest(r.level(), r.amountBaseUnits(), r.account24hAmountBaseUnits(),
                r.account24hCount(), others));
        if (outcome instanceof LimitOutcome.Refused refused) throw new LimitRefusal(refused);
    }
}
