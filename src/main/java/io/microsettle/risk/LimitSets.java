package io.microsettle.risk;

import io.microsettle.infra.WriteTransaction;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.account.VerificationLevel;
import io.microsettle.audit.AuditLog;
import io.microsettle.audit.CanonicalJson;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.ConfigJson;
import io.microsettle.infra.VersionedDocuments;
import io.microsettle.risk.rules.LevelLimits;
import io.microsettle.risk.rules.Limits;
import io.microsettle.infra.RuleConfigException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The limits in force (versioned, audited) and their JSON form for the admin API. */
@ApplicationScoped
public class LimitSets {
    public record Current(Limits limits, String createdBy, Instant createdAt) {}

    @Inject
    VersionedDocuments docs;
    @Inject
    ObjectMapper mapper;
    @Inject
    AuditLog audit;

    @Inject
    RiskConfig config;

    private VersionedDocuments.Cache<Current> inForce;

    @PostConstruct
    void init() {
        inForce = docs.cache(VersionedDocuments.LIMIT_SETS, config.limitsCacheMillis(), d ->
                new Current(parse(d.version(), ConfigJson.stored(mapper, d.bodyJson(), "limits")), d.createdBy(), d.createdAt()));
    }

    /** The limits in force (every request checks them: read at most every {@code limits-cache-millis}). */
    public Current current() {
        return inForce.get();
    }

    @WriteTransaction
    public Current put(JsonNode body, String actor) {
        long current = docs.current(VersionedDocuments.LIMIT_SETS).version();
        Limits l = parse(current + 1, body);
        VersionedDocuments.Doc d = docs.put(VersionedDocuments.LIMIT_SETS, current, CanonicalJson.write(body(l)), actor);
        audit.append(actor, "limits.changed", VersionedDocuments.auditSubject(VersionedDocuments.LIMIT_SETS, d), VersionedDocuments.auditPayload(d));
        return new Current(l, d.createdBy(), d.createdAt());
    }

    static Limits parse(long version, JsonNode body) {
        if (body == null || !body.isObject()) throw ApiException.validation("body", "must be a JSON object");
        JsonNode levels = ConfigJson.object(body, "levels", "levels");
        Map<VerificationLevel, LevelLimits> byLevel = new EnumMap<>(VerificationLevel.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = levels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = "levels." + e.getKey();
            VerificationLevel level = ConfigJson.enumKey(VerificationLevel.class, e.getKey(), p, VerificationLevel.CONFIGURABLE);
            JsonNode n = ConfigJson.object(levels, e.getKey(), p);
            try {
                byLevel.put(level, new LevelLimits(
                        ConfigJson.money(n, "minPerCashout", p + ".minPerCashout"),
                        ConfigJson.money(n, "maxPerCashout", p + ".maxPerCashout"),
                        ConfigJson.money(n, "rolling24hAmount", p + ".rolling24hAmount"),
                        ConfigJson.integer(n, "rolling24hCount", p + ".rolling24hCount"),
                        ConfigJson.money(n, "integratorDailyVolume", p + ".integratorDailyVolume")));
            } catch (RuleConfigException ex) {
                throw ApiException.validation(p + "." + apiField(ex.field()), ex.problem());
            }
        }
        try {
            return new Limits(version, byLevel);
        } catch (RuleConfigException ex) {
            throw ApiException.validation(apiField(ex.field()), ex.problem());
        }
    }

    static String apiField(String field) {
        return field.replace("byLevel", "levels").replace("BaseUnits", "");
    }

    public static Map<String, Object> body(Limits l) {
        Map<String, Object> levels = new LinkedHashMap<>();
        l.byLevel().forEach((level, x) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("minPerCashout", Long.toString(x.minPerCashoutBaseUnits()));
            m.put("maxPerCashout", Long.toString(x.maxPerCashoutBaseUnits()));
            m.put("rolling24hAmount", Long.toString(x.rolling24hAmountBaseUnits()));
            m.put("rolling24hCount", x.rolling24hCount());
            m.put("integratorDailyVolume", Long.toString(x.integratorDailyVolumeBaseUnits()));
            levels.put(level.name(), m);
        });
        return Map.of("levels", levels);
    }

    public Map<String, Object> view(Current c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", c.limits().version());
        m.putAll(body(c.limits()));
        m.put("createdBy", c.createdBy());
        m.put("createdAt", c.createdAt().toString());
        return m;
    }
}
