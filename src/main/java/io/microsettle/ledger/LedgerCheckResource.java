package io.microsettle.ledger;

import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GET /v1/audit/ledger-check: every balance recomputed from the journal, differences reported. */
@Path("/v1/audit/ledger-check")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
public class LedgerCheckResource {
    @Inject
    LedgerCheck check;

    @GET
    public Map<String, Object> run() {
        LedgerCheck.Report r = check.run();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", r.ok());
        m.put("accounts", r.accounts());
        m.put("entries", r.entries());
        m.put("postings", r.postings());
        m.put("sumOfBalances", Long.toString(r.sumOfBalances()));
        m.put("differenceCount", r.differenceCount());
        m.put("differences", r.differences().stream().map(d -> Map.of("ledgerAccount", d.ledgerAccount(),
                "stored", Long.toString(d.storedBaseUnits()), "recomputed", Long.toString(d.recomputedBaseUnits()))).toList());
        m.put("unbalancedEntryCount", r.unbalancedEntryCount());
        List<Map<String, String>> ub = r.unbalancedEntries().stream()
                .map(u -> Map.of("entryId", u.entryId(), "sum", Long.toString(u.sumBaseUnits()))).toList();
        m.put("unbalancedEntries", ub);
        m.put("creditItemDifferenceCount", r.creditItemDifferenceCount());
        m.put("negativeObligationCount", r.negativeObligationCount());
        return m;
    }
}
