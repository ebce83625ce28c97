package io.microsettle.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Validation;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Instant;
import java.util.List;

@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
public class AuditResource {
    public record EventView(long seq, String id, Instant at, String actor, String type, String subject,
                            JsonNode payload, String prevHash, String hash) {}

    public record EventPage(List<EventView> data, String nextCursor) {}

    /**
     * {@code detail} says what is wrong when not ok (missing events, a broken link, a head the log does not end at,
     * a log whose tree is not the one anchored on chain); {@code anchor} is the latest anchor read from the chain
     * (null before the first), which the log was checked against.
     */
    public record VerifyView(boolean ok, long count, String head, Long firstBadSeq, String detail, ChainAnchors.OnChain anchor) {}

    /** An anchored tree head: root is the RFC 9162 tree head (hex) of events 1..seq, anchored by the AuditAnchored log at blockNumber/logIndex of txHash. */
    public record AnchorView(long seq, String root, String txHash, long blockNumber, String blockHash, int logIndex, long chainId,
                             Instant anchoredAt) {
        static AnchorView of(AnchorStore.Anchor a) {
            return new AnchorView(a.seq(), a.root(), a.txHash(), a.blockNumber(), a.blockHash(), a.logIndex(), a.chainId(), a.anchoredAt());
        }
    }

    public record AnchorPage(List<AnchorView> data, String nextCursor) {}

    /** RFC 9162 PROOF(from.seq, D[to.seq]): hashes (hex), nearest the leaves first. */
    public record ConsistencyView(AnchorView from, AnchorView to, List<String> proof) {}

    /** RFC 9162 PATH(leafIndex, D[anchor.seq]) of the event's leaf hash (SHA-256 of 0x00 and its canonical encoding). */
    public record InclusionView(long seq, String leafHash, long leafIndex, long treeSize, AnchorView anchor, List<String> proof) {
        static InclusionView of(AnchorStore.Inclusion i) {
            return new InclusionView(i.seq(), i.leafHash(), i.leafIndex(), i.anchor().seq(), AnchorView.of(i.anchor()), i.proof());
        }
    }

    @Inject
    AnchorStore anchors;
    @Inject
    ProofBundles bundles;
    @Inject
    SettlementExport export;
    @Inject
    AuditLog auditLog;
    @Inject
    AuditConfig config;
    @Inject
    ObjectMapper mapper;

    @Operation(summary = "The audit log in order", description = "Hash-chained events after seq `after` (cursor: the last seq of the page).")
    @GET
    @Path("/events")
    public EventPage events(@QueryParam("after") String after, @QueryParam("limit") String limit) {
        long afterSeq = 0;
        if (after != null) {
            try {
                afterSeq = Long.parseLong(after);
            } catch (NumberFormatException e) {
                throw ApiException.validation("after", "must be a sequence number");
            }
            if (afterSeq < 0) throw ApiException.validation("after", "must not be negative");
        }
        int pageSize = Validation.limit(limit, config.defaultPageSize(), config.maxPageSize());
        List<AuditEvent> events = auditLog.page(afterSeq, pageSize);
        List<EventView> views = events.stream().map(this::view).toList();
        String next = events.size() == pageSize ? Long.toString(events.getLast().seq) : null;
        return new EventPage(views, next);
    }

    @Operation(summary = "Re-hash the whole log and check it against the head row and the latest on-chain anchor", description = "ok is false when an event is edited, missing, reordered, or the log is emptied, cut or forked: firstBadSeq names the first bad or missing seq and detail the range; anchor is the latest anchor as read from the chain (escrow lastAnchoredSeq and its AuditAnchored log).")
    @GET
    @Path("/verify")
    public VerifyView verify() {
        AuditLog.Report r;
        try {
            r = auditLog.verifyAgainstChain();
        } catch (ChainAnchors.Unavailable e) {
            throw ApiException.unavailable("chain_unavailable", "the log cannot be checked against its on-chain anchor now: "
                    + e.getMessage(), 5);
        }
        AuditChain.Verification v = r.verification();
        return new VerifyView(v.ok(), v.count(), v.head(), v.firstBadSeq(), v.detail(), r.anchor());
    }

    /** The tree heads anchored on chain, oldest first (cursor: the last seq of the page). */
    @Operation(summary = "Audit tree heads anchored on chain", description = "{seq, root, txHash, blockNumber, blockHash, logIndex, chainId, anchoredAt}, oldest first; root is the RFC 9162 Merkle tree head (hex) of events 1..seq, as in the escrow's AuditAnchored(seq, root) log.")
    @GET
    @Path("/anchors")
    public AnchorPage anchors(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        long after = cursor == null ? 0 : seqParam(cursor, "cursor");
        int pageSize = Validation.limit(limit, config.anchor().defaultPageSize(), config.anchor().maxPageSize());
        List<AnchorStore.Anchor> page = anchors.page(after, pageSize);
        String next = page.size() == pageSize ? Long.toString(page.getLast().seq()) : null;
        return new AnchorPage(page.stream().map(AnchorView::of).toList(), next);
    }

    /** The RFC 9162 consistency proof between two anchored heads (the log only grew from one to the other). */
    @Operation(summary = "RFC 9162 consistency proof between two anchored heads", description = "PROOF(from, D[to]) as hex hashes: the log of `to` events extends the log of `from` events. 404 anchor_not_found when either seq is not an anchored head.")
    @GET
    @Path("/anchors/consistency")
    public ConsistencyView consistency(@QueryParam("from") String from, @QueryParam("to") String to) {
        if (from == null) throw ApiException.validation("from", "is required (an anchored seq)");
        if (to == null) throw ApiException.validation("to", "is required (an anchored seq)");
        long a = seqParam(from, "from");
        long b = seqParam(to, "to");
        if (a > b) throw ApiException.validation("from", "must not be after to");
        AnchorStore.Anchor first = anchors.anchored(a).orElseThrow(() -> notAnchored(a));
        AnchorStore.Anchor second = anchors.anchored(b).orElseThrow(() -> notAnchored(b));
        AnchorStore.Consistency c = anchors.consistency(first, second);
        return new ConsistencyView(AnchorView.of(c.from()), AnchorView.of(c.to()), c.proof());
    }

    /** The inclusion proof of one event to the first anchored head that covers it (409 not_anchored until there is one). */
    @Operation(summary = "Inclusion proof of one event to the first anchored head covering it", description = "PATH(seq - 1, D[treeSize]) of the event's leaf hash (SHA-256 of 0x00 and the event's canonical encoding). 409 not_anchored until an anchor covers the event.")
    @GET
    @Path("/events/{seq}/proof")
    public InclusionView eventProof(@jakarta.ws.rs.PathParam("seq") String seqText) {
        long seq = seqParam(seqText, "seq");
        if (seq < 1 || seq > auditLog.headSeq()) throw ApiException.notFound("audit event " + seqText);
        AnchorStore.Anchor anchor = anchors.covering(seq).orElseThrow(() -> ApiException.conflict("not_anchored",
                "event " + seq + " is not covered by an anchored head yet; it will be at the next anchor"));
        return InclusionView.of(anchors.inclusion(seq, anchor));
    }

    /**
     * The proof bundle of a settled cash-out: its audit events (and its batch's) with leaf hashes and inclusion
     * proofs to an anchored head, the anchor, the payout's transaction, block, raw log and decoded PayoutSettled,
     * the escrow, token and chain id. 409 not_settled before it settled, not_anchored before an anchor covers it.
     */
    @Operation(summary = "Proof bundle of a settled cash-out", description = "Self-contained: the cash-out's and its batch's audit events (fields hashed, payloadJson verbatim) with leaf hashes and inclusion proofs to the anchored head in anchor, the payout's txHash, blockNumber, blockHash, logIndex, the raw log and the decoded PayoutSettled, escrow, token and chainId: check it with nothing but an RPC node. 409 not_settled, not_anchored (until the next anchor) or chain_disagrees (the chain no longer has the payout at that block).")
    @GET
    @Path("/cashouts/{id}/proof")
    public ProofBundles.Bundle cashoutProof(@jakarta.ws.rs.PathParam("id") String id) {
        return bundles.bundle(Validation.id(id, "id"));
    }

    @Operation(summary = "Settled cash-outs of a period, for reconciliation", description = "from (inclusive) and to (exclusive) are "
            + "RFC 3339 times of settlement, at most microsettle.audit.export-max-days apart (400 period_too_long); format csv "
            + "(default) or json. Streamed. The anchors covering the period are named in the Microsettle-Anchors header (seq:txHash, "
            + "comma separated) and in the body: '# anchor' lines before the CSV header row, or the JSON anchors array.")
    @GET
    @Path("/export")
    @Produces({"text/csv", MediaType.APPLICATION_JSON})
    public jakarta.ws.rs.core.Response export(@QueryParam("from") String fromText, @QueryParam("to") String toText,
                                              @QueryParam("format") String formatText) {
        Instant from = instantParam(fromText, "from");
        Instant to = instantParam(toText, "to");
        if (!to.isAfter(from)) throw ApiException.validation("to", "must be after from");
        if (java.time.Duration.between(from, to).compareTo(java.time.Duration.ofDays(config.exportMaxDays())) > 0) {
            throw ApiException.badRequest("period_too_long", "an export covers at most " + config.exportMaxDays() + " days");
        }
        SettlementExport.Format format;
        if (formatText == null || formatText.equals("csv")) format = SettlementExport.Format.CSV;
        else if (formatText.equals("json")) format = SettlementExport.Format.JSON;
        else throw ApiException.validation("format", "must be csv or json");
        SettlementExport.Covering covering = export.covering(from, to);
        jakarta.ws.rs.core.StreamingOutput body = out -> export.write(out, format, from, to, covering);
        String name = "settlements-" + from.toString().replace(':', '-') + "-" + to.toString().replace(':', '-')
                + (format == SettlementExport.Format.CSV ? ".csv" : ".json");
        return jakarta.ws.rs.core.Response.ok(body, format == SettlementExport.Format.CSV ? "text/csv; charset=utf-8" : MediaType.APPLICATION_JSON)
                .header("Microsettle-Anchors", SettlementExport.header(covering))
                .header("Microsettle-Anchors-Cover-Period", Boolean.toString(covering.coveredUntil()))
                .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
                .build();
    }

    static Instant instantParam(String text, String field) {
        if (text == null) throw ApiException.validation(field, "is required (an RFC 3339 time)");
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.validation(field, "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z");
        }
    }

    private static ApiException notAnchored(long seq) {
        return new ApiException(404, "anchor_not_found", "no head is anchored at seq " + seq);
    }

    static long seqParam(String text, String field) {
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ApiException.validation(field, "must be a sequence number");
        }
        if (v < 0) throw ApiException.validation(field, "must not be negative");
        return v;
    }

    private EventView view(AuditEvent e) {
        try {
            return new EventView(e.seq, e.id, e.at, e.actor, e.type, e.subject, mapper.readTree(e.payloadJson),
                    e.prevHash, e.hash);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException("stored audit payload is not JSON at seq " + e.seq, ex);
        }
    }
}
