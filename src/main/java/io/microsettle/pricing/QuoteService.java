package io.microsettle.pricing;

import io.microsettle.account.Account;
import io.microsettle.infra.Addresses;
import io.microsettle.account.VerificationLevel;
import io.microsettle.audit.AuditLog;
import io.microsettle.audit.CanonicalJson;
import io.microsettle.chain.ChainClient;
import io.microsettle.ledger.LedgerService;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Ids;
import io.microsettle.pricing.rules.GasInputs;
import io.microsettle.pricing.rules.QuoteCalculator;
import io.microsettle.pricing.rules.QuoteOutcome;
import io.microsettle.pricing.rules.QuoteRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.infra.Transactions;
import io.microsettle.risk.RiskService;
import io.microsettle.security.IdempotentResponse;
import io.quarkus.narayana.jta.QuarkusTransaction;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prices cash-outs with {@link QuoteCalculator}: the fee schedule in force, the account's
 * verification level and rolling 30-day settled volume, and the network-fee share from the
 * chain's current fees ({@link NetworkFees}). The quote stores every figure and its inputs.
 */
@ApplicationScoped
public class QuoteService {
    @Inject
    PricingConfig config;
    @Inject
    ChainClient chain;
    @Inject
    LedgerService ledger;
    @Inject
    AuditLog audit;
    @Inject
    FeeSchedules schedules;
    @Inject
    NetworkFees networkFees;
    @Inject
    AgroalDataSource ds;
    @Inject
    RiskService risk;
    @Inject
    IdempotentResponse response;

    /** What a quote is priced from, read from the database in one short read-only transaction. */
    record Inputs(VerificationLevel level, String wallet, String destination, long volume30dBaseUnits, boolean paidBefore,
                  long availableBaseUnits) {}

    /**
     * Prices a cash-out for a verified account; the destination defaults to its bound wallet. Refuses
     * early what the cash-out would be refused for by the limits known now (verification level,
     * per-cash-out minimum and maximum). The chain's fees are read with no transaction open; the quote
     * and its audit event are written in one short transaction.
     */
    public Quote create(String integratorId, String actor, String accountId, long grossBaseUnits, String destination) {
        Inputs in = QuarkusTransaction.requiringNew().call(() -> inputs(integratorId, accountId, destination));
        risk.checkAtQuote(in.level(), grossBaseUnits);
        GasInputs gas = networkFees.model().inputs(networkFees.history(), !in.paidBefore());
        QuoteCalculator calculator = new QuoteCalculator(schedules.current().schedule());
        QuoteOutcome.Priced p = switch (calculator.price(new QuoteRequest(grossBaseUnits, in.level(), in.volume30dBaseUnits(), gas))) {
            case QuoteOutcome.Priced priced -> priced;
            case QuoteOutcome.Refused r -> throw refusal(r);
        };
        if (in.availableBaseUnits() < grossBaseUnits) {
            throw ApiException.unprocessable("insufficient_balance", "the account's available balance is below the amount");
        }
        Quote q = quote(integratorId, accountId, in, p);
        return Transactions.write("quote", () -> {
            response.claimInTransaction();
            q.persist();
            audit.append(actor, "quote.created", q.id, payload(q));
            response.storeInTransaction(201, () -> QuoteResource.view(q));
            return q;
        });
    }

    private Inputs inputs(String integratorId, String accountId, String destination) {
        Account account = Account.findOwned(integratorId, accountId).orElseThrow(() -> ApiException.notFound("account " + accountId));
        if (account.verificationLevel == VerificationLevel.NONE || account.wallet == null) {
            throw ApiException.unprocessable("verification_required", "the account has no verified wallet");
        }
        String dest = destination != null ? destination : account.wallet;
        return new Inputs(account.verificationLevel, account.wallet, dest, rolling30dSettledVolume(accountId), paidBefore(dest),
                ledger.balances(accountId).availableBaseUnits());
    }

    private Quote quote(String integratorId, String accountId, Inputs in, QuoteOutcome.Priced p) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Quote q = new Quote();
        q.id = Ids.newId("quote");
        q.integratorId = integratorId;
        q.accountId = accountId;
        q.grossBaseUnits = p.grossBaseUnits();
        q.serviceFeeBaseUnits = p.serviceFeeBaseUnits();
        q.networkFeeBaseUnits = p.networkFeeBaseUnits();
        q.feeBaseUnits = p.feeBaseUnits();
        q.netBaseUnits = p.netBaseUnits();
        q.destination = in.destination();
        q.chainId = chain.chainId();
        q.escrowAddress = chain.escrowAddress();
        q.expiresAt = now.plusSeconds(config.quoteTtlSeconds()).truncatedTo(ChronoUnit.SECONDS);
        q.deadlineEpochSeconds = q.expiresAt.getEpochSecond();
        q.createdAt = now;
        q.feeScheduleVersion = p.feeScheduleVersion();
        q.serviceFeeBps = p.serviceFeeBps();
        q.rolling30dVolumeBaseUnits = in.volume30dBaseUnits();
        q.gasInputs = CanonicalJson.write(gasInputs(p));
        return q;
    }

    private static Map<String, Object> payload(Quote q) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("accountId", q.accountId);
        payload.put("grossBaseUnits", Long.toString(q.grossBaseUnits));
        payload.put("serviceFeeBaseUnits", Long.toString(q.serviceFeeBaseUnits));
        payload.put("networkFeeBaseUnits", Long.toString(q.networkFeeBaseUnits));
        payload.put("feeBaseUnits", Long.toString(q.feeBaseUnits));
        payload.put("feeScheduleVersion", q.feeScheduleVersion);
        payload.put("destination", q.destination);
        payload.put("expiresAt", q.expiresAt.toString());
        return payload;
    }

    static ApiException refusal(QuoteOutcome.Refused r) {
        return switch (r.code()) {
            case VERIFICATION_REQUIRED -> ApiException.unprocessable("verification_required", r.detail());
            case INVALID_AMOUNT, AMOUNT_TOO_SMALL -> new ApiException(400, "invalid_amount", "amount: " + r.detail());
        };
    }

    /** Everything the network share was computed from, as stored with the quote (decimal strings). */
    static Map<String, Object> gasInputs(QuoteOutcome.Priced p) {
        GasInputs g = p.gasInputs();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("marginalGas", Long.toString(g.marginalGasUnits()));
        m.put("intrinsicGas", Long.toString(g.intrinsicGasUnits()));
        m.put("batchOverheadGas", Long.toString(g.batchOverheadGasUnits()));
        m.put("expectedBatchSize", g.expectedBatchSize());
        m.put("baseFeeWeiPerGas", Long.toString(g.baseFeeWeiPerGas()));
        m.put("tipWeiPerGas", Long.toString(g.tipWeiPerGas()));
        m.put("tipPercentile", g.tipPercentile());
        m.put("safetyMarginBps", g.safetyMarginBps());
        m.put("tokenBaseUnitsPerEtherNumerator", Long.toString(g.tokenBaseUnitsPerEtherNumerator()));
        m.put("tokenBaseUnitsPerEtherDenominator", Long.toString(g.tokenBaseUnitsPerEtherDenominator()));
        m.put("gasPerPayout", Long.toString(p.networkFee().gasPerPayoutUnits()));
        m.put("weiPerPayout", p.networkFee().weiPerPayout().toString());
        return m;
    }

    /** Gross of the account's cash-outs settled in the last 30 days. */
    long rolling30dSettledVolume(String accountId) {
        return Db.scalar(ds, "SELECT coalesce(sum(gross_base_units), 0) FROM cashouts WHERE account_id = ?"
                + " AND status = 'SETTLED' AND settled_at >= now() - interval '30 days'", accountId);
    }

    /** Whether a payout to this address was settled before (a payee holding the token already costs less gas). */
    boolean paidBefore(String destination) {
        return Db.one(ds, "SELECT 1 FROM cashouts WHERE destination = ? AND status = 'SETTLED' LIMIT 1", rs -> 1, destination).isPresent();
    }

    public static String checkedDestination(String destination) {
        return destination == null ? null : Addresses.normalize(destination, "destination");
    }
}
