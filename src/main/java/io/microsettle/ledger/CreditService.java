package io.microsettle.ledger;

import io.microsettle.infra.WriteTransaction;
import io.microsettle.audit.AuditLog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Credits intake: posts a request's credits and its audit event in one transaction. */
@ApplicationScoped
public class CreditService {
    @Inject
    LedgerService ledger;
    @Inject
    AuditLog audit;

    @WriteTransaction
    public LedgerService.CreditResult post(String integratorId, String actor, List<LedgerService.CreditItem> items) {
        LedgerService.CreditResult result = ledger.credit(integratorId, items);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("integratorId", integratorId);
        payload.put("count", result.count());
        payload.put("totalBaseUnits", Long.toString(result.totalBaseUnits()));
        payload.put("itemsSha256", digest(items));
        audit.append(actor, "credits.posted", "integrator:" + integratorId, payload);
        return result;
    }

    /** SHA-256 over the items, one "reference accountId amount" line each, in request order. */
    static String digest(List<LedgerService.CreditItem> items) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (LedgerService.CreditItem i : items) {
                md.update((i.reference() + " " + i.accountId() + " " + i.amountBaseUnits() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
