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
        appendCanonical(sb, seq, at, actor, type, subject, payloadJson, prevHash);
        return sb.toString();
    }

    /** Appends {@link #canonical} to {@code sb} (verify reuses one builder for every event). */
    static void appendCanonical(StringBuilder sb, long seq, Instant at, String actor, String type, String subject,
                                String payloadJson, String prevHash) {
        sb.append("{\"actor\":");
        CanonicalJson.appendString(sb, actor);
        sb.append(",\"at\":\"");
        appendAt(sb, at);
        sb.append("\",\"payload\":").append(payloadJson).append(",\"prevHash\":");
        CanonicalJson.appendString(sb, prevHash);
        sb.append(",\"seq\":").append(seq).append(",\"subject\":");
        CanonicalJson.appendString(sb, subject);
        sb.append(",\"type\":");
        CanonicalJson.appendString(sb, type);
        sb.append('}');
    }

    /** {@code at} as {@link #AT} formats it (uuuu-MM-dd'T'HH:mm:ss.SSS'Z'), without a formatter for the years 0..9999. */
    static void appendAt(StringBuilder sb, Instant at) {
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(at.getEpochSecond(), at.getNano(), java.time.ZoneOffset.UTC);
        int year = t.getYear();
        if (year < 0 || year > 9999) {
            sb.append(AT.format(at));
            return;
        }
        pad(sb, year, 4).append('-');
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append('T');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2).append('.');
        pad(sb, t.getNano() / 1_000_000, 3).append('Z');
    }

    private static StringBuilder pad(StringBuilder sb, int value, int digits) {
        for (int d = digits - 1, scale = (int) Math.pow(10, d); d >= 0; d--, scale /= 10) sb.append((char) ('0' + value / scale % 10));
        return sb;
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
        private final MessageDigest sha256 = newSha256();
        private final StringBuilder encoding = new StringBuilder(1024);
        private byte[] lastCanonical;

        public boolean accept(Link l) {
            if (failure != null) return false;
            if (l.seq() != expectedSeq) {
                failure = new Verification(false, count, prev, expectedSeq,
                        "expected seq " + expectedSeq + ", found " + l.seq() + " (events missing or out of order)");
                return false;
            }
            boolean linked = Objects.equals(l.prevHash(), prev);
            if (linked) {
                // one encoding per event, kept for the Merkle leaf (lastCanonicalUtf8); the digest compared in place
                encoding.setLength(0);
                appendCanonical(encoding, l.seq(), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(), l.prevHash());
                lastCanonical = encoding.toString().getBytes(StandardCharsets.UTF_8);
            }
            if (!linked || !hexEquals(sha256.digest(lastCanonical), l.hash())) {
                failure = new Verification(false, count, prev, l.seq(), linked
                        ? "the event's hash does not match its content" : "the event does not link to the one before");
                return false;
            }
            count++;
            expectedSeq++;
            prev = l.hash();
            return true;
        }

        /** The canonical encoding (UTF-8) of the last event accepted: its Merkle leaf data. */
        public byte[] lastCanonicalUtf8() {
            return lastCanonical;
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

    /** Whether {@code hex} is the lowercase hex of {@code bytes} (no allocation). */
    static boolean hexEquals(byte[] bytes, String hex) {
        if (hex == null || hex.length() != bytes.length * 2) return false;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            if (hex.charAt(2 * i) != HEX_DIGITS.charAt(b >>> 4) || hex.charAt(2 * i + 1) != HEX_DIGITS.charAt(b & 0xf)) return false;
        }
        return true;
    }

    private static final String HEX_DIGITS = "0123456789abcdef";

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
