package io.microsettle.cashout;

import io.microsettle.security.ClaimedInTransaction;
import io.microsettle.ledger.Amounts;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.risk.ReviewService;
import io.microsettle.risk.RiskConfig;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;

/** The review queue of held cash-outs (operators and admins). */
@Path("/v1/reviews")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.OPERATOR, Roles.ADMIN})
public class ReviewResource {
    public record ReviewView(String id, String cashoutId, String integratorId, String accountId, String status, String gross,
                             String fee, String net, String destination, List<String> reasons, JsonNode findings,
                             Instant createdAt, String decision, String decidedBy, Instant decidedAt, String note) {}

    public record ReviewPage(List<ReviewView> data, String nextCursor) {}

    public record Decision(String note) {}

    @Inject
    ReviewService reviews;
    @Inject
    ReviewDecisions decisions;
    @Inject
    CurrentCaller caller;
    @Inject
    RiskConfig config;

    /** Pending reviews, oldest first; {@code status=all} includes decided ones. */
    @GET
    public ReviewPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                           @QueryParam("status") String status) {
        int n = Validation.limit(limit, config.defaultPageSize(), config.maxPageSize());
        if (status != null && !status.equals("pending") && !status.equals("all")) {
            throw io.microsettle.infra.ApiException.validation("status", "must be pending or all");
        }
        ReviewService.Page p = reviews.list("all".equals(status), n, cursor);
        return new ReviewPage(p.data().stream().map(ReviewResource::view).toList(), p.nextCursor());
    }

    @GET
    @Path("/{id}")
    public ReviewView get(@PathParam("id") String id) {
        return view(reviews.get(Validation.id(id, "id")));
    }

    @POST
    @ClaimedInTransaction
    @Path("/{id}/approve")
    @Consumes(MediaType.WILDCARD)
    public ReviewView approve(@PathParam("id") String id, Decision body) {
        return decided(decisions.decide(Validation.id(id, "id"), true, caller.actor(), body == null ? null : body.note()));
    }

    @POST
    @ClaimedInTransaction
    @Path("/{id}/reject")
    @Consumes(MediaType.WILDCARD)
    public ReviewView reject(@PathParam("id") String id, Decision body) {
        return decided(decisions.decide(Validation.id(id, "id"), false, caller.actor(), body == null ? null : body.note()));
    }

    private static ReviewView decided(ReviewService.Review r) {
        // a fault test fails here: committed (the response stored with it), not yet answered
        CrashPoints.reach("reviews.after-commit");
        return view(r);
    }

    static ReviewView view(ReviewService.Review r) {
        return new ReviewView(r.cashoutId(), r.cashoutId(), r.integratorId(), r.accountId(), r.status(),
                Amounts.format(r.grossBaseUnits()), Amounts.format(r.feeBaseUnits()), Amounts.format(r.netBaseUnits()),
                r.destination(), r.reasons(), r.findings(), r.createdAt(), r.decision(), r.decidedBy(), r.decidedAt(), r.note());
    }
}
