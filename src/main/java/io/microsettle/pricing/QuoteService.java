package io.microsettle.pricing;

import io.microsettle.account.Account;
import io.microsettle.account.Addresses;
import io.microsettle.account.VerificationLevel;
import io.microsettle.audit.AuditLog;
import io.microsettle.chain.ChainClient;
import io.microsettle.ledger.LedgerService;
import io.microsettle.ops.ApiException;
import io.microsettle.ops.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** Prices a cash-out for a verified account; the destination defaults to its bound wallet. */
    @Transactional
    public Quote create(String integratorId, String actor, String accountId, long grossBaseUnits, String destination) {
        Account account = Account.findOwned(integratorId, accountId)
                .orElseThrow(() -> ApiException.notFound("account " + accountId));
        if (account.verificationLevel == VerificationLevel.NONE || account.wallet == null) {
            throw ApiException.unprocessable("verification_required", "the account has no verified wallet");
        }
        FlatFee.Breakdown b = switch (FlatFee.price(grossBaseUnits, config.serviceFeeBaseUnits(), config.networkFeeBaseUnits())) {
            case FlatFee.Priced p -> p.breakdown();
            case FlatFee.TooSmall t -> throw new ApiException(400, "invalid_amount",
                    "amount: must exceed the fee of " + t.feeBaseUnits() + " base units");
        };
        if (ledger.balances(accountId).availableBaseUnits() < grossBaseUnits) {
            throw ApiException.unprocessable("insufficient_balance", "the account's available balance is below the amount");
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Quote q = new Quote();
        q.id = Ids.newId("quote");
        q.integratorId = integratorId;
        q.accountId = accountId;
        q.grossBaseUnits = b.grossBaseUnits();
        q.serviceFeeBaseUnits = b.serviceFeeBaseUnits();
        q.networkFeeBaseUnits = b.networkFeeBaseUnits();
        q.feeBaseUnits = b.feeBaseUnits();
        q.netBaseUnits = b.netBaseUnits();
        q.destination = destination != null ? destination : account.wallet;
        q.chainId = chain.chainId();
        q.escrowAddress = chain.escrowAddress();
        q.expiresAt = now.plusSeconds(config.quoteTtlSeconds()).truncatedTo(ChronoUnit.SECONDS);
        q.deadlineEpochSeconds = q.expiresAt.getEpochSecond();
        q.createdAt = now;
        q.persist();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("accountId", accountId);
        payload.put("grossBaseUnits", Long.toString(q.grossBaseUnits));
        payload.put("feeBaseUnits", Long.toString(q.feeBaseUnits));
        payload.put("destination", q.destination);
        payload.put("expiresAt", q.expiresAt.toString());
        audit.append(actor, "quote.created", q.id, payload);
        return q;
    }

    public static String checkedDestination(String destination) {
        return destination == null ? null : Addresses.normalize(destination, "destination");
    }
}
