package io.microsettle.pricing;

import io.microsettle.security.ClaimedInTransaction;
import io.microsettle.infra.CrashPoints;
import io.microsettle.ledger.Amounts;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.time.Instant;
import java.util.Map;

@Path("/v1/quotes")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.INTEGRATOR)
public class QuoteResource {
    public record QuoteRequest(String accountId, String amount, String destination) {}

    public record QuoteView(String id, String accountId, String gross, String serviceFee, String networkFee, String fee,
                            String net, String destination, Instant expiresAt, Map<String, Object> typedData,
                            Long feeScheduleVersion, Integer serviceFeeBps) {}

    @Inject
    QuoteService quotes;
    @Inject
    CurrentCaller caller;
    @Inject
    PricingConfig config;

    @POST
    @ClaimedInTransaction
    @ResponseStatus(201)
    public QuoteView create(QuoteRequest body) {
        Validation.body(body);
        Validation.id(body.accountId(), "accountId");
        long gross = Amounts.parse(body.amount(), "amount", config.maxAmountBaseUnits());
        String destination = QuoteService.checkedDestination(body.destination());
        Quote created = quotes.create(caller.integratorId(), caller.actor(), body.accountId(), gross, destination);
        // a fault test fails here: committed (the response stored with it), not yet answered
        CrashPoints.reach("quotes.after-commit");
        return view(created);
    }

    public static QuoteView view(Quote q) {
        return new QuoteView(q.id, q.accountId, Amounts.format(q.grossBaseUnits), Amounts.format(q.serviceFeeBaseUnits),
                Amounts.format(q.networkFeeBaseUnits), Amounts.format(q.feeBaseUnits), Amounts.format(q.netBaseUnits),
                q.destination, q.expiresAt, q.typedData(), q.feeScheduleVersion, q.serviceFeeBps);
    }
}
