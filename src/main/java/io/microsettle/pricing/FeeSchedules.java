package io.microsettle.pricing;

import io.microsettle.infra.WriteTransaction;
import io.microsettle.infra.ConfigJson;
import io.microsettle.infra.VersionedDocuments;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.account.VerificationLevel;
import io.microsettle.audit.AuditLog;
import io.microsettle.audit.CanonicalJson;
import io.microsettle.infra.ApiException;
import io.microsettle.pricing.rules.FeeSchedule;
import io.microsettle.pricing.rules.FeeTier;
import io.microsettle.infra.RuleConfigException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The fee schedule in force (versioned, audited) and its JSON form for the admin API. */
@ApplicationScoped
public class FeeSchedules {
    /** The schedule in force and who made it when. */
    public record Current(FeeSchedule schedule, String createdBy, Instant createdAt) {}

    @Inject
    VersionedDocuments docs;
    @Inject
    ObjectMapper mapper;
    @Inject
    AuditLog audit;

    @Inject
    PricingConfig config;

    private VersionedDocuments.Cache<Current> inForce;

    @PostConstruct
    void init() {
        inForce = docs.cache(VersionedDocuments.FEE_SCHEDULES, config.feeScheduleCacheMillis(), d ->
                new Current(parse(d.version(), ConfigJson.stored(mapper, d.bodyJson(), "fee schedule")), d.createdBy(), d.createdAt()));
    }

    /** The schedule in force (every quote prices with it: read at most every {@code fee-schedule-cache-millis}). */
    public Current current() {
        return inForce.get();
    }

    /** Validates and stores a new version; the previous one stays as it was. */
    @WriteTransaction
    public Current put(JsonNode body, String actor) {
        long current = docs.current(VersionedDocuments.FEE_SCHEDULES).version();
        FeeSchedule s = parse(current + 1, body);
        VersionedDocuments.Doc d = docs.put(VersionedDocuments.FEE_SCHEDULES, current, CanonicalJson.write(body(s)), actor);
        audit.append(actor, "fee_schedule.changed", VersionedDocuments.auditSubject(VersionedDocuments.FEE_SCHEDULES, d), VersionedDocuments.auditPayload(d));
        return new Current(s, d.createdBy(), d.createdAt());
    }

    /** Parses the JSON form; a bad field is a 400 naming it. */
    static FeeSchedule parse(long version, JsonNode body) {
        if (body == null || !body.isObject()) throw ApiException.validation("body", "must be a JSON object");
        JsonNode tiers = ConfigJson.object(body, "tiers", "tiers");
        Map<VerificationLevel, List<FeeTier>> byLevel = new EnumMap<>(VerificationLevel.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = tiers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "tiers." + e.getKey();
            VerificationLevel level = ConfigJson.enumKey(VerificationLevel.class, e.getKey(), path, VerificationLevel.CONFIGURABLE);
            JsonNode list = ConfigJson.array(tiers, e.getKey(), path);
            List<FeeTier> out = new ArrayList<>();
            for (int i = 0; i < list.size() && i <= FeeSchedule.MAX_TIERS; i++) {
                String p = path + "[" + i + "]";
                out.add(new FeeTier(ConfigJson.money(list.get(i), "fromVolume", p + ".fromVolume"),
                        ConfigJson.integer(list.get(i), "serviceFeeBps", p + ".serviceFeeBps")));
            }
            byLevel.put(level, out);
        }
        long min = ConfigJson.money(body, "minServiceFee", "minServiceFee");
        long max = ConfigJson.money(body, "maxServiceFee", "maxServiceFee");
        long minPayout = ConfigJson.money(body, "minPayout", "minPayout");
        try {
            return new FeeSchedule(version, byLevel, min, max, minPayout);
        } catch (RuleConfigException e) {
            throw ApiException.validation(apiField(e.field()), e.problem());
        }
    }

    /** The rules' field names in the API's words. */
    static String apiField(String field) {
        return field.replace("tiersByLevel", "tiers").replace("fromVolumeBaseUnits", "fromVolume")
                .replace("minServiceFeeBaseUnits", "minServiceFee").replace("maxServiceFeeBaseUnits", "maxServiceFee")
                .replace("minPayoutBaseUnits", "minPayout");
    }

    /** The JSON form (money as decimal strings). */
    public static Map<String, Object> body(FeeSchedule s) {
        Map<String, Object> tiers = new LinkedHashMap<>();
        s.tiersByLevel().forEach((level, list) -> tiers.put(level.name(), list.stream()
                .map(t -> Map.<String, Object>of("fromVolume", Long.toString(t.fromVolumeBaseUnits()), "serviceFeeBps", t.serviceFeeBps()))
                .toList()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tiers", tiers);
        m.put("minServiceFee", Long.toString(s.minServiceFeeBaseUnits()));
        m.put("maxServiceFee", Long.toString(s.maxServiceFeeBaseUnits()));
        m.put("minPayout", Long.toString(s.minPayoutBaseUnits()));
        return m;
    }

    public Map<String, Object> view(Current c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", c.schedule().version());
        m.putAll(body(c.schedule()));
        m.put("createdBy", c.createdBy());
        m.put("createdAt", c.createdAt().toString());
        return m;
    }

}
