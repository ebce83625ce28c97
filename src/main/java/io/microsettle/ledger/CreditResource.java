package io.microsettle.ledger;

import io.microsettle.infra.ApiException;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.IdempotentResponse;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.util.ArrayList;
import java.util.List;

@Path("/v1/credits")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.INTEGRATOR)
public class CreditResource {
    public record CreditItemRequest(String accountId, String amount, String reference) {}

    public record CreditsRequest(List<CreditItemRequest> items) {}

    public record CreditsResponse(int count, String total) {}

    @Inject
    CreditService credits;
    @Inject
    CurrentCaller caller;
    @Inject
    LedgerConfig config;
    @Inject
    IdempotentResponse idempotentResponse;

    @POST
    @ResponseStatus(201)
    public CreditsResponse post(CreditsRequest body) {
        Validation.body(body);
        if (body.items() == null || body.items().isEmpty()) throw ApiException.validation("items", "at least one item is required");
        if (body.items().size() > config.maxCreditItems()) {
            throw ApiException.validation("items", "at most " + config.maxCreditItems() + " items per request");
        }
        List<LedgerService.CreditItem> items = new ArrayList<>(body.items().size());
        for (int i = 0; i < body.items().size(); i++) {
            CreditItemRequest it = body.items().get(i);
            String at = "items[" + i + "]";
            if (it == null) throw ApiException.validation(at, "must be an object");
            Validation.id(it.accountId(), at + ".accountId");
            long amount = Amounts.parse(it.amount(), at + ".amount", config.maxAmountBaseUnits());
            Validation.text(it.reference(), at + ".reference", config.maxReferenceLength());
            items.add(new LedgerService.CreditItem(it.accountId(), amount, it.reference()));
        }
        LedgerService.CreditResult r = credits.post(caller.integratorId(), caller.actor(), items, idempotentResponse.claim());
        if (idempotentResponse.claim().isPresent()) idempotentResponse.storedByCommit();
        // a fault test fails here: committed (the response stored with it), not yet answered
        CrashPoints.reach("credits.after-commit");
        return response(r);
    }

    /** The 201's body (also stored, in the posting's commit, for the request's Idempotency-Key). */
    static CreditsResponse response(LedgerService.CreditResult r) {
        return new CreditsResponse(r.count(), Amounts.format(r.totalBaseUnits()));
    }
}
