package io.microsettle.ledger;

import io.microsettle.audit.AuditLog;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.infra.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.web3j.crypto.Keys;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether an integrator's escrow deposit on chain covers what it owes: {@code funderBalance} of
 * its funder address (SettlementEscrow, through {@link ChainClient}, cached briefly) against its
 * unsettled obligations, the gross of its cash-outs that are held for and neither settled nor
 * released: the balance of its obligations ledger account, which the hold, settle and release
 * entries keep (a settled payout is already out of the escrow balance).
 * A SUBMITTED batch that is mined but not yet seen counts twice for a moment: the check errs on
 * the side of refusing.
 */
@ApplicationScoped
public class EscrowFunding {

    public record Escrow(long chainId, String escrow, String token, int decimals, String funder, BigInteger funderBalance,
                         long obligationsBaseUnits) {
        public BigInteger headroom() {
            return funderBalance.subtract(BigInteger.valueOf(obligationsBaseUnits));
        }
    }

    record Cached(BigInteger balance, long atMillis) {}

    @Inject
    ChainClient chain;
    @Inject
    FundingConfig config;
    @Inject
    EntityManager em;
    @Inject
    AuditLog audit;

    /** The audit event of a crossing below the integrator's low-headroom threshold. */
    public static final String ESCROW_LOW = "escrow.low";

    private final ConcurrentHashMap<String, Cached> balances = new ConcurrentHashMap<>();

    /** The integrator's funder (EIP-55): microsettle.funding.funders.<id>, else default-funder, else the dev chain's demo funder. */
    public Optional<String> funderOf(String integratorId) {
        String f = config.funders().get(integratorId);
        if (f != null) return Optional.of(Keys.toChecksumAddress(f));
        Optional<String> d = config.defaultFunder().or(() -> chain.devFunder().map(c -> c.getAddress()));
        return d.map(Keys::toChecksumAddress);
    }

    @Transactional
    public Escrow escrow(String integratorId) {
        String funder = funderOf(integratorId).orElse(null);
        BigInteger balance = funder == null ? BigInteger.ZERO : funderBalance(funder);
        return new Escrow(chain.chainId(), chain.escrowAddress(), chain.tokenAddress(), chain.tokenDecimals(), funder, balance,
                obligations(integratorId));
    }

    /**
     * Refuses (422 insufficient_escrow) unless the funder's balance covers the integrator's
     * unsettled obligations, which include the caller's new cash-out of {@code grossBaseUnits}
     * (already written in this transaction). Serialised per integrator (a transaction advisory
     * lock, to the commit) so that concurrent requests do not both spend the same headroom.
     * When the headroom left is below the integrator's low-headroom threshold and it was not
     * marked low yet, marks it and appends {@code escrow.low} (as {@code actor}) in this
     * transaction; a headroom back at or above the threshold clears the mark.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void require(String integratorId, String actor, long grossBaseUnits) {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtext(?1))").setParameter(1, "escrow:" + integratorId)
                .getSingleResult();
        if (!config.enabled()) return; // the lock is still taken: the integrator's daily volume is rechecked under it
        String funder = funderOf(integratorId).orElseThrow(() -> ApiException.unprocessable("insufficient_escrow",
                "no escrow funder is configured for this integrator"));
        BigInteger balance = funderBalance(funder);
        long owed = obligations(integratorId) - grossBaseUnits;
        BigInteger needed = BigInteger.valueOf(owed).add(BigInteger.valueOf(grossBaseUnits));
        if (balance.compareTo(needed) < 0) {
            throw ApiException.unprocessable("insufficient_escrow", "the integrator's escrow balance " + balance
                    + " does not cover its unsettled obligations " + owed + " plus this cash-out's " + grossBaseUnits
                    + " (headroom " + balance.subtract(BigInteger.valueOf(owed)).max(BigInteger.ZERO) + ")");
        }
        alertOnLowHeadroom(integratorId, actor, funder, balance, owed + grossBaseUnits);
    }

    /** The escrow.low alert (EscrowLowAlert), under the lock require() holds; reads nothing when alerts are off. */
    private void alertOnLowHeadroom(String integratorId, String actor, String funder, BigInteger balance, long obligations) {
        long threshold = EscrowLowAlert.thresholdBaseUnits(integratorId, config.lowHeadroomBaseUnits(),
                config.lowHeadroomOverrides());
        if (!EscrowLowAlert.enabled(threshold)) return;
        BigInteger headroom = balance.subtract(BigInteger.valueOf(obligations));
        boolean wasLow = !em.createNativeQuery("SELECT 1 FROM escrow_alerts WHERE integrator_id = ?1")
                .setParameter(1, integratorId).getResultList().isEmpty();
        switch (EscrowLowAlert.evaluate(headroom, threshold, wasLow)) {
            case RAISE -> {
                em.createNativeQuery("INSERT INTO escrow_alerts (integrator_id, low_since) VALUES (?1, now())")
                        .setParameter(1, integratorId).executeUpdate();
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("integratorId", integratorId);
                payload.put("funder", funder);
                payload.put("funderBalance", balance.toString());
                payload.put("obligations", Long.toString(obligations));
                payload.put("headroom", headroom.toString());
                payload.put("threshold", Long.toString(threshold));
                audit.append(actor == null ? "system" : actor, ESCROW_LOW, "integrator:" + integratorId, payload);
            }
            case CLEAR -> em.createNativeQuery("DELETE FROM escrow_alerts WHERE integrator_id = ?1")
                    .setParameter(1, integratorId).executeUpdate();
            case NONE -> { }
        }
    }

    /** The balance of the integrator's obligations ledger account: one row, kept by the hold, settle and release entries. */
    long obligations(String integratorId) {
        List<?> rows = em.createNativeQuery("SELECT balance_base_units FROM ledger_balances WHERE ledger_account = ?1")
                .setParameter(1, LedgerAccount.integratorObligations(integratorId).key()).getResultList();
        return rows.isEmpty() ? 0 : ((Number) rows.getFirst()).longValue();
    }

    BigInteger funderBalance(String funder) {
        long now = System.currentTimeMillis();
        Cached c = balances.get(funder);
        if (c != null && now - c.atMillis() < config.balanceCacheMillis()) return c.balance();
        BigInteger b;
        try {
            b = SettlementEscrow.load(chain.escrowAddress(), chain.web3j(),
                    new ReadonlyTransactionManager(chain.web3j(), funder), new DefaultGasProvider()).funderBalance(funder).send();
        } catch (Exception e) {
            throw ApiException.unavailable("chain_unavailable", "the escrow balance could not be read; retry shortly", 5);
        }
        if (balances.size() >= config.balanceCacheSize()) balances.clear();
        balances.put(funder, new Cached(b, now));
        return b;
    }
}
