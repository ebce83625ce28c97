package io.microsettle.ledger;

import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.chain.ChainClient;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.CapacityReservations;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.web3j.crypto.Keys;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether an integrator's escrow deposit on chain covers what it owes: {@code funderBalance} of
 * its funder address (SettlementEscrow, through {@link ChainClient}, cached briefly and read outside
 * every transaction) against its unsettled obligations, the gross of its cash-outs that are held for
 * and neither settled nor released (the sum of its obligations ledger stripes). A cash-out reserves
 * its gross of the headroom before its transaction ({@link #reserve}), from an allowance this
 * replica reserved in chunks ({@link CapacityReservations}), so concurrent requests never spend the
 * same headroom and none waits on a per-integrator lock. A SUBMITTED batch that is mined but not
 * yet reconciled counts twice for a moment: the check errs on the side of refusing.
 */
@ApplicationScoped
public class EscrowFunding {

    public record Escrow(long chainId, String escrow, String token, int decimals, String funder, BigInteger funderBalance,
                         long obligationsBaseUnits) {
        public BigInteger headroom() {
            return funderBalance.subtract(BigInteger.valueOf(obligationsBaseUnits));
        }
    }

    /**
     * A cash-out's share of the headroom, taken before its transaction: {@link #commit()} after the
     * transaction committed, {@link #giveBack()} if it did not.
     */
    public record Reservation(String funder, BigInteger funderBalance, CapacityReservations.Grant grant) {
        static final Reservation NONE = new Reservation(null, null, null);

        public void commit() {
            if (grant != null) grant.commit();
        }

        public void giveBack() {
            if (grant != null) grant.giveBack();
        }
    }

    record Cached(BigInteger balance, long atMillis) {}

    /** The audit event of a crossing below the integrator's low-headroom threshold. */
    public static final String ESCROW_LOW = "escrow.low";
    /** Retry-After of 503 chain_unavailable. */
    static final long CHAIN_RETRY_AFTER_SECONDS = 5;

    @Inject
    ChainClient chain;
    @Inject
    FundingConfig config;
    @Inject
    AgroalDataSource ds;
    @Inject
    AuditLog audit;
    @Inject
    CapacityReservations capacities;

    private final ConcurrentHashMap<String, Cached> balances = new ConcurrentHashMap<>();
    /** Serialise the refreshes of a funder's balance (funders share these by hash). */
    private final Object[] refreshLocks = newLocks(64);
    private final AtomicLong balanceReads = new AtomicLong();
    /** Integrators this replica last saw marked low (absent: not known, so a clear looks once). */
    private final ConcurrentHashMap<String, Boolean> markedLow = new ConcurrentHashMap<>();

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
     * Reserves {@code grossBaseUnits} of the integrator's headroom for a cash-out, outside any
     * transaction (the chain is read here, never under a lock); refuses with 422
     * {@code insufficient_escrow} when the funder's balance does not cover the unsettled obligations
     * plus this cash-out, and 503 {@code chain_unavailable} when the balance cannot be read.
     */
    public Reservation reserve(String integratorId, long grossBaseUnits) {
        if (!config.enabled()) return Reservation.NONE;
        String funder = funderOf(integratorId).orElseThrow(() -> ApiException.unprocessable("insufficient_escrow",
                "no escrow funder is configured for this integrator"));
        BigInteger balance = funderBalance(funder);
        long limit = balance.min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
        long chunk = Math.max(1, limit / 1000 * config.reservationChunkPermille());
        var capacity = new CapacityReservations.Capacity("escrow:" + integratorId, limit, chunk, config.reservationLeaseMillis(),
                () -> obligations(integratorId));
        try {
            return new Reservation(funder, balance, capacities.take(capacity, grossBaseUnits, limit));
        } catch (CapacityReservations.ExhaustedException e) {
            long owed = e.exhausted().usageBaseUnits();
            throw ApiException.unprocessable("insufficient_escrow", "the integrator's escrow balance " + balance
                    + " does not cover its unsettled obligations " + owed + " plus this cash-out's " + grossBaseUnits
                    + " (headroom " + Math.max(0, limit - owed) + ")");
        }
    }

    /**
     * The escrow.low alert ({@link EscrowLowAlert}) of a reserved cash-out, in its transaction: a
     * crossing below the threshold marks the integrator ({@code escrow_alerts}, one row: the replica
     * whose insert wins appends the one {@code escrow.low} event); headroom back at the threshold
     * clears the mark. Obligations here are the reservation's bound once this cash-out commits.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void alertOnLowHeadroom(String integratorId, String actor, Reservation r) {
        if (r.grant() == null) return;
        long threshold = EscrowLowAlert.thresholdBaseUnits(integratorId, config.lowHeadroomBaseUnits(), config.lowHeadroomOverrides());
        if (!EscrowLowAlert.enabled(threshold)) return;
        long obligations = r.grant().usageAfterBaseUnits();
        BigInteger headroom = r.funderBalance().subtract(BigInteger.valueOf(obligations));
        Boolean known = markedLow.get(integratorId);
        // not known here: look (a clear is due if another replica or a restart left a mark)
        boolean wasLow = known == null ? Db.one(ds, "SELECT 1 FROM escrow_alerts WHERE integrator_id = ?", rs -> 1, integratorId).isPresent()
                : known;
        switch (EscrowLowAlert.evaluate(headroom, threshold, wasLow)) {
            case RAISE -> {
                boolean raised = Db.update(ds, "INSERT INTO escrow_alerts (integrator_id, low_since) VALUES (?, now()) "
                        + "ON CONFLICT (integrator_id) DO NOTHING", integratorId) == 1;
                if (raised) audit.append(actor == null ? "system" : actor, ESCROW_LOW, "integrator:" + integratorId,
                        lowPayload(integratorId, r, obligations, headroom, threshold));
                markedLow.put(integratorId, Boolean.TRUE);
            }
            case CLEAR -> {
                Db.update(ds, "DELETE FROM escrow_alerts WHERE integrator_id = ?", integratorId);
                markedLow.put(integratorId, Boolean.FALSE);
            }
            case NONE -> markedLow.put(integratorId, wasLow);
        }
    }

    private static Map<String, Object> lowPayload(String integratorId, Reservation r, long obligations, BigInteger headroom,
                                                  long threshold) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("integratorId", integratorId);
        payload.put("funder", r.funder());
        payload.put("funderBalance", r.funderBalance().toString());
        payload.put("obligations", Long.toString(obligations));
        payload.put("headroom", headroom.toString());
        payload.put("threshold", Long.toString(threshold));
        return payload;
    }

    /** The integrator's unsettled obligations: the sum of its obligations ledger stripes. */
    public long obligations(String integratorId) {
        return Db.scalar(ds, "SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances WHERE ledger_account = ANY(?)",
                (Object) LedgerAccount.integratorObligationsKeys(integratorId));
    }

    /**
     * The funder's escrow balance, read from the chain at most once per {@code balance-cache-millis} and funder: when
     * the cached value expires, one caller reads it again while the others of the same funder wait for that read (a
     * cash-out per client used to read it at once: 32 concurrent reads at each expiry with 32 clients).
     */
    BigInteger funderBalance(String funder) {
        Cached c = balances.get(funder);
        if (fresh(c)) return c.balance();
        synchronized (refreshLocks[Math.floorMod(funder.hashCode(), refreshLocks.length)]) {
            c = balances.get(funder);
            if (fresh(c)) return c.balance();
            BigInteger b;
            try {
                balanceReads.incrementAndGet();
                b = chain.escrowReader().funderBalance(funder).send();
            } catch (Exception e) {
                throw ApiException.unavailable("chain_unavailable", "the escrow balance could not be read; retry shortly",
                        CHAIN_RETRY_AFTER_SECONDS);
            }
            if (balances.size() >= config.balanceCacheSize()) balances.clear();
            balances.put(funder, new Cached(b, System.currentTimeMillis()));
            return b;
        }
    }

    private static Object[] newLocks(int n) {
        Object[] locks = new Object[n];
        for (int i = 0; i < n; i++) locks[i] = new Object();
        return locks;
    }

    private boolean fresh(Cached c) {
        return c != null && System.currentTimeMillis() - c.atMillis() < config.balanceCacheMillis();
    }

    /** How many times an escrow balance was read from the chain (for tests and metrics). */
    long balanceReads() {
        return balanceReads.get();
    }
}
