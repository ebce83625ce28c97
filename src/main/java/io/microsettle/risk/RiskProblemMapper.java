package io.microsettle.risk;

import io.microsettle.infra.Problem;
import io.microsettle.risk.rules.LimitName;
import io.microsettle.risk.rules.LimitOutcome;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** Limit refusals as RFC 9457 problems with extension members {@code limit}, {@code limitValue}, {@code headroom}. */
public class RiskProblemMapper {
    @ServerExceptionMapper(priority = 1)
    public Response limit(LimitRefusal e, UriInfo uri) {
        Problem p = Problem.of(e.status(), e.code(), e.detail(), uri == null ? null : uri.getPath());
        LimitOutcome.Refused r = e.refused();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", p.type());
        body.put("title", p.title());
        body.put("status", p.status());
        body.put("detail", p.detail());
        body.put("code", p.code());
        body.put("instance", p.instance());
        body.put("limit", r.limit().code());
        if (r.limit().unit() != LimitName.Unit.NONE) {
            String unit = r.limit().unit() == LimitName.Unit.COUNT ? "count" : "base_units";
            body.put("unit", unit);
            body.put("limitValue", Long.toString(r.limitValue()));
            body.put("headroom", Long.toString(r.headroom()));
            body.put("maxAllowedNow", Long.toString(r.maxAllowedNowBaseUnits()));
        }
        body.put("limitsVersion", r.limitsVersion());
        return Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(body).build();
    }
}
