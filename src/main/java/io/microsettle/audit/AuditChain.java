package io.microsettle.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Objects;

/**
 * The audit hash chain (plain Java). Each event's hash is SHA-256 over the canonical
 * encoding of {actor, at, payload, prevHash, seq, subject, type} (keys sorted, no
 * whitespace, {@code at} as RFC 3339 UTC with milliseconds, {@code payload} the event's
 * canonical JSON verbatim); the first event's prevHash is 64 zeros.
 */
public final class AuditChain {
    public static final String GENESIS_HASH = "0".repeat(64);
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    /** One link of the chain as stored. */
    public record Link(long seq, Instant at, String actor, String type, String subject, String payloadJson,
                       String prevHash, String hash) {}

    /** The outcome of re-hashing a chain. */
    public record Verification(boolean ok, long count, String head, Long firstBadSeq) {}

    private AuditChain() {}

    /** Event times are kept to the millisecond so that the stored value re-hashes identically. */
    public static Instant truncate(Instant at) {
        return at.truncatedTo(ChronoUnit.MILLIS);
    }

    public static String canonical(long seq, Instant at, String actor, String type, String subject,
                                   String payloadJson, String prevHash) {
        StringBuilder sb = new StringBuilder(128 + payloadJson.length());
        sb.append("{\"actor\":").append(CanonicalJson.write(actor))
                .append(",\"at\":").append(CanonicalJson.write(AT.format(at)))
                .append(",\"payload\":").append(payloadJson)
                .append(",\"prevHash\":").append(CanonicalJson.write(prevHash))
                .append(",\"seq\":").append(seq)
                .append(",\"subject\":").append(CanonicalJson.write(subject))
                .append(",\"type\":").append(CanonicalJson.write(type))
                .append('}');
        return sb.toString();
    }

    public static String hash(long seq, Instant at, String actor, String type, String subject,
                              String payloadJson, String prevHash) {
        return sha256Hex(canonical(seq, at, actor, type, subject, payloadJson, prevHash));
    }

    public static Link next(long prevSeq, String prevHash, Instant at, String actor, String type, String subject,
                            String payloadJson) {
        long seq = prevSeq + 1;
        Instant t = truncate(at);
        return new Link(seq, t, actor, type, subject, payloadJson, prevHash,
                hash(seq, t, actor, type, subject, payloadJson, prevHash));
    }

    /** Streams over the links in seq order; stops at the first bad one. */
    public static Verification verify(Iterator<Link> links) {
        long expectedSeq = 1;
        String prev = GENESIS_HASH;
        long count = 0;
        while (links.hasNext()) {
            Link l = links.next();
            boolean good = l.seq() == expectedSeq
                    && Objects.equals(l.prevHash(), prev)
                    && Objects.equals(l.hash(), hash(l.seq(), l.at(), l.actor(), l.type(), l.subject(),
                    l.payloadJson(), l.prevHash()));
            if (!good) {
                return new Verification(false, count, prev, l.seq());
            }
            count++;
            expectedSeq++;
            prev = l.hash();
        }
        return new Verification(true, count, prev, null);
    }

    static String sha256Hex(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
