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

import java.time.Instant;
import java.util.List;

@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
public class AuditResource {
    public record EventView(long seq, String id, Instant at, String actor, String type, String subject,
                            JsonNode payload, String prevHash, String hash) {}

    public record EventPage(List<EventView> data, String nextCursor) {}

    /** {@code detail} says what is wrong when not ok (missing events, a broken link, a head the log does not end at). */
    public record VerifyView(boolean ok, long count, String head, Long firstBadSeq, String detail) {}

    @Inject
    AuditLog auditLog;
    @Inject
    AuditConfig config;
    @Inject
    ObjectMapper mapper;

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

    @GET
    @Path("/verify")
    public VerifyView verify() {
        AuditChain.Verification v = auditLog.verify();
        return new VerifyView(v.ok(), v.count(), v.head(), v.firstBadSeq(), v.detail());
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
