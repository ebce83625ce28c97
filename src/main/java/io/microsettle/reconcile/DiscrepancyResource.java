package io.microsettle.reconcile;

import io.microsettle.security.ClaimedInTransaction;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.Validation;
import io.microsettle.security.CurrentCaller;
import io.microsettle.security.Roles;
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
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Instant;
import java.util.List;

/** What the chain and the store disagree on (auditors and operators read; operators acknowledge). */
@Path("/v1/audit/discrepancies")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.AUDITOR, Roles.OPERATOR, Roles.ADMIN})
public class DiscrepancyResource {
    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 200;

    /** Amounts are not repeated here: {@code detail} says what differs (chain value, local value). */
    public record DiscrepancyView(String id, String kind, String state, String cashoutId, String integratorId, String payoutId,
                                  String chainBatchId, String txHash, Long blockNumber, String blockHash, Integer logIndex,
                                  String detail, Instant createdAt, String acknowledgedBy, Instant acknowledgedAt, String note) {
        static DiscrepancyView of(Discrepancies.Discrepancy d) {
            return new DiscrepancyView(d.id(), d.kind().name(), d.state().name(), d.cashoutId(), d.integratorId(),
                    d.payoutId() == null ? null : d.payoutId().toString(), d.chainBatchId() == null ? null : d.chainBatchId().toString(),
                    d.txHash(), d.blockNumber(), d.blockHash(), d.logIndex(), d.detail(), d.createdAt(), d.acknowledgedBy(),
                    d.acknowledgedAt(), d.note());
        }
    }

    public record DiscrepancyPage(List<DiscrepancyView> data, String nextCursor) {}

    public record Acknowledge(String note) {}

    @Inject
    Discrepancies discrepancies;
    @Inject
    CurrentCaller caller;

    @Operation(summary = "What the chain and the store disagree on", description = "Newest first; never fixed silently. kind: "
            + "UNKNOWN_PAYOUT (a PayoutSettled log with no local cash-out), UNKNOWN_BATCH, PAYEE_MISMATCH, AMOUNT_MISMATCH, "
            + "FEE_MISMATCH, BATCH_MISMATCH, DUPLICATE_SETTLEMENT, UNEXPECTED_STATUS, STALE_SUBMISSION (SUBMITTED longer than "
            + "microsettle.reconcile.stale-submission-millis with no settlement seen), REORGED_SETTLEMENT (a settlement a reorg "
            + "removed); state: OPEN or ACKNOWLEDGED. An unknown kind or state: 400 validation_failed. Each new one is the audit "
            + "event discrepancy.opened (and the webhook of that name to operators' endpoints).")
    @GET
    public DiscrepancyPage list(@QueryParam("kind") String kind, @QueryParam("state") String state,
                                @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        Discrepancies.Kind k = kind == null ? null : Discrepancies.Kind.param(kind);
        Discrepancies.State s = state == null ? null : Discrepancies.State.param(state);
        int n = Validation.limit(limit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        Discrepancies.Page p = discrepancies.list(k, s, n, cursor);
        return new DiscrepancyPage(p.data().stream().map(DiscrepancyView::of).toList(), p.nextCursor());
    }

    @Operation(summary = "One discrepancy", description = "404 not_found for an unknown id.")
    @GET
    @Path("/{id}")
    public DiscrepancyView get(@PathParam("id") String id) {
        return DiscrepancyView.of(discrepancies.get(id));
    }

    @Operation(summary = "An operator acknowledges a discrepancy with a note", description = "Audited "
            + "(discrepancy.acknowledged, with the note); nothing on chain or in the store is changed, the discrepancy stays "
            + "listed as ACKNOWLEDGED. note: required, at most 2000 characters (else 400 validation_failed). Acknowledging one "
            + "already acknowledged: 409 discrepancy_acknowledged (names by whom and when). Operators and admins only.")
    @POST
    @ClaimedInTransaction
    @Path("/{id}/acknowledge")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.OPERATOR, Roles.ADMIN})
    public DiscrepancyView acknowledge(@PathParam("id") String id, Acknowledge body) {
        Validation.body(body);
        Discrepancies.Discrepancy acknowledged = discrepancies.acknowledge(id, caller.actor(), body.note());
        // a fault test fails here: committed (the response stored with it), not yet answered
        CrashPoints.reach("discrepancies.after-commit");
        return DiscrepancyView.of(acknowledged);
    }
}
