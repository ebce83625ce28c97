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

    /**
     * The outcome of re-hashing a chain: {@code count} links verified, ending at hash {@code head};
     * when not ok, {@code firstBadSeq} is the first seq that is wrong or missing and {@code detail} says how.
     */
    public record Verification(boolean ok, long count, String head, Long firstBadSeq, String detail) {}

    /** The head as the sealer recorded it: the last seq and its hash. */
    public record Head(long seq, String hash) {}

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

    /**
     * As {@link #verify(Iterator)}, and the chain must end exactly at {@code recorded}: a log cut at
     * its tail (fewer links) or extended past it fails, naming the first missing or extra seq.
     */
    public static Verification verify(Iterator<Link> links, Head recorded) {
        return againstHead(verify(links), recorded);
    }

    static Verification againstHead(Verification v, Head recorded) {
        if (!v.ok()) return v;
        if (v.count() < recorded.seq()) {
            return new Verification(false, v.count(), v.head(), v.count() + 1,
                    "events " + (v.count() + 1) + ".." + recorded.seq() + " are missing (the head is at " + recorded.seq() + ")");
        }
        if (v.count() > recorded.seq() || !Objects.equals(v.head(), recorded.hash())) {
            long bad = Math.min(v.count(), recorded.seq() + 1);
            return new Verification(false, v.count(), v.head(), bad,
                    "the log does not end at the recorded head (seq " + recorded.seq() + ", hash " + recorded.hash() + ")");
        }
        return v;
    }

    /**
     * Re-hashes a chain one link at a time, in seq order ({@link #accept} returns false at the first
     * bad link, which {@link #result} then names); holds only the previous link's hash.
     */
    public static final class Verifier {
        private long expectedSeq = 1;
        private String prev = GENESIS_HASH;
        private long count;
        private Verification failure;

        public boolean accept(Link l) {
            if (failure != null) return false;
            if (l.seq() != expectedSeq) {
                failure = new Verification(false, count, prev, expectedSeq,
                        "expected seq " + expectedSeq + ", found " + l.seq() + " (events missing or out of order)");
                return false;
            }
            boolean linked = Objects.equals(l.prevHash(), prev);
            if (!linked || !Objects.equals(l.hash(), hash(l.seq(), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(), l.prevHash()))) {
                failure = new Verification(false, count, prev, l.seq(), linked
                        ? "the event's hash does not match its content" : "the event does not link to the one before");
                return false;
            }
            count++;
            expectedSeq++;
            prev = l.hash();
            return true;
        }

        public Verification result() {
            return failure != null ? failure : new Verification(true, count, prev, null, null);
        }

        /** The result, and the chain must end exactly at {@code recorded} (see {@link #verify(Iterator, Head)}). */
        public Verification result(Head recorded) {
            return againstHead(result(), recorded);
        }
    }

    /** Streams over the links in seq order; stops at the first bad one. */
    public static Verification verify(Iterator<Link> links) {
        Verifier v = new Verifier();
        while (links.hasNext() && v.accept(links.next())) {
            // accept() stops at the first bad link
        }
        return v.result();
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
