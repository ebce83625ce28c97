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
    public AnomalyVerdict assess(Account account, long grossBaseUnits, String destination, Instant now) {
        em.createNativeQuery("SELECT id FROM accounts WHERE id = ?1 FOR UPDATE").setParameter(1, account.id).getResultList();
        Timestamp dayAgo = Timestamp.from(now.minusSeconds(24 * 3600));
        Object[] acct = (Object[]) em.createNativeQuery("SELECT coalesce(sum(gross_base_units), 0), count(*) FROM cashouts"
                        + " WHERE account_id = ?1 AND created_at >= ?2 AND " + LIVE)
                .setParameter(1, account.id).setParameter(2, dayAgo).getSingleResult();
        Timestamp dayStart = Timestamp.from(LocalDate.ofInstant(now, ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant());
        long integratorDay = ((Number) em.createNativeQuery("SELECT coalesce(sum(gross_base_units), 0) FROM cashouts"
                        + " WHERE integrator_id = ?1 AND created_at >= ?2 AND " + LIVE)
                .setParameter(1, account.integratorId).setParameter(2, dayStart).getSingleResult()).longValue();
        LimitOutcome outcome = new LimitChecker(limits.current().limits()).check(new LimitRequest(account.verificationLevel,
                grossBaseUnits, ((Number) acct[0]).longValue(), ((Number) acct[1]).intValue(), integratorDay));
        if (outcome instanceof LimitOutcome.Refused r) throw new LimitRefusal(r);

        AnomalyThresholds t = engine.thresholds();
        @SuppressWarnings("unchecked")
        List<Object> history = em.createNativeQuery("SELECT gross_base_units FROM cashouts WHERE account_id = ?1 AND " + LIVE
                        + " ORDER BY created_at DESC LIMIT " + AnomalyThresholds.MAX_HISTORY_SIZE)
                .setParameter(1, account.id).getResultList();
        List<Long> past = new ArrayList<>(history.size());
        for (Object o : history) past.add(((Number) o).longValue());
        int others = ((Number) em.createNativeQuery("SELECT count(DISTINCT account_id) FROM cashouts WHERE destination = ?1"
                        + " AND account_id <> ?2 AND created_at >= ?3 AND " + LIVE)
                .setParameter(1, destination).setParameter(2, account.id)
                .setParameter(3, Timestamp.from(now.minusMillis(t.sharedDestinationWindowMillis()))).getSingleResult()).intValue();
        long credited = ((Number) em.createNativeQuery("SELECT coalesce(sum(p.amount_base_units), 0) FROM ledger_postings p"
                        + " JOIN ledger_entries e ON e.id = p.entry_id"
                        + " WHERE p.ledger_account = ?1 AND p.created_at >= ?2 AND e.kind = 'CREDIT'")
                .setParameter(1, LedgerAccount.userAvailable(account.id).key())
                .setParameter(2, Timestamp.from(now.minusMillis(t.creditBurstWindowMillis()))).getSingleResult()).longValue();
        Instant bound = account.verifiedAt != null ? account.verifiedAt : account.createdAt;
        return engine.evaluate(new AnomalyContext(account.id, grossBaseUnits, destination, now.toEpochMilli(),
                bound.toEpochMilli(), past, others, credited));
    }
}
