package io.microsettle.risk.rules;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One rule's reason to hold, with the evidence it saw. Evidence values are strings (money as
 * decimal strings, as in the API) in a fixed key order so the review queue shows them as-is.
 */
public record HoldFinding(HoldReason reason, Map<String, String> evidence) {

    /** Bound on evidence entries: evidence is for a human, not a data dump. */
    public static final int MAX_EVIDENCE_ENTRIES = 16;

    public HoldFinding {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(evidence, "evidence");
        if (evidence.size() > MAX_EVIDENCE_ENTRIES) {
            throw new IllegalArgumentException("too many evidence entries: " + evidence.size());
        }
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        evidence.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
        evidence = Collections.unmodifiableMap(copy);
    }

    /** Builds evidence from alternating key, value pairs (values via {@code String.valueOf}). */
    static HoldFinding of(HoldReason reason, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("odd key/value count");
        }
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
        }
        return new HoldFinding(reason, m);
    }
}
