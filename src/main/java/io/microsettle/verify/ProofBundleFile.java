package io.microsettle.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.audit.AuditChain;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A proof bundle as {@code GET /v1/audit/cashouts/{id}/proof} returns it, read into {@link Claims}: the events (each
 * with its leaf hash and inclusion proof to {@code anchor}), the anchor, and one payout (the cash-out's amounts and
 * destination, the batch's on-chain id, the tx, block and log index, the raw log and its decoding). Also checks what
 * the file must agree with itself on: gross = net + fee, the positions it repeats, and the cash-out's own anchored
 * events (its creation event's destination and amounts, its last cashout.settled event's transaction, block, log and
 * amounts), which the chain checks then pin.
 */
public final class ProofBundleFile {
    /** Files larger than this are refused (a bundle holds at most 1,000 events). */
    public static final long MAX_BYTES = 16L << 20;
    public static final int MAX_EVENTS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file is not a proof bundle (a field missing or of the wrong kind). */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }

    private ProofBundleFile() {}

    public static Claims read(Path file) throws IOException {
        if (Files.size(file) > MAX_BYTES) throw new Malformed(file + " is larger than " + MAX_BYTES + " bytes: not a proof bundle");
        JsonNode b;
        try {
            b = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Malformed(file + " is not JSON: " + e.getOriginalMessage());
        }
        return claims(b);
    }

    public static Claims claims(JsonNode b) {
        if (b == null || !b.isObject()) throw new Malformed("a proof bundle is a JSON object");
        if (!b.has("cashout") && b.has("from") && b.has("to") && b.has("proof")) return consistency(b);
        List<Mismatch> file = new ArrayList<>();
        JsonNode co = obj(b, "cashout");
        JsonNode batch = obj(b, "batch");
        JsonNode anchorNode = obj(b, "anchor");
        String cashoutId = text(co, "id");
        String subject = "cash-out " + cashoutId;

        Claims.AnchorClaim anchor = anchor(anchorNode);
        long chainId = num(b, "chainId");
        if (anchorNode.hasNonNull("chainId") && anchorNode.get("chainId").asLong() != chainId) {
            file.add(new Mismatch("claim_disagrees", "anchor " + anchor.seq(), "the anchor is on chain " + anchorNode.get("chainId").asLong()
                    + ", the bundle on chain " + chainId));
        }

        JsonNode eventsNode = b.get("events");
        if (eventsNode == null || !eventsNode.isArray()) throw new Malformed("events: an array is required");
        if (eventsNode.size() > MAX_EVENTS) throw new Malformed("events: more than " + MAX_EVENTS);
        List<Claims.EventClaim> events = new ArrayList<>();
        for (JsonNode e : eventsNode) {
            AuditChain.Link l = new AuditChain.Link(num(e, "seq"), instant(e, "at"), text(e, "actor"), text(e, "type"), text(e, "subject"),
                    text(e, "payloadJson"), text(e, "prevHash"), text(e, "hash"));
            events.add(new Claims.EventClaim(l, optText(e, "leafHash"), strings(e, "inclusionProof"), anchor.seq()));
        }

        BigInteger gross = big(co, "gross");
        BigInteger net = big(co, "net");
        BigInteger fee = big(co, "fee");
        if (!gross.equals(net.add(fee))) {
            file.add(new Mismatch("gross_amount", subject, "gross " + gross + " is not net " + net + " + fee " + fee));
        }
        JsonNode raw = obj(b, "rawLog");
        JsonNode ps = obj(b, "payoutSettled");
        Claims.PayoutClaim payout = new Claims.PayoutClaim(subject, text(b, "txHash"), num(b, "blockNumber"), text(b, "blockHash"),
                (int) num(b, "logIndex"), text(co, "destination"), net, fee, big(co, "payoutId"), big(batch, "chainBatchId"),
                new Claims.RawLog(text(raw, "address"), strings(raw, "topics"), text(raw, "data")),
                new Claims.Decoded(text(ps, "payee"), big(ps, "netAmount"), big(ps, "feeAmount"), big(ps, "payoutId"), big(ps, "batchId")));
        if (num(raw, "blockNumber") != payout.blockNumber() || !text(raw, "blockHash").equalsIgnoreCase(payout.blockHash())
                || !text(raw, "transactionHash").equalsIgnoreCase(payout.txHash()) || num(raw, "logIndex") != payout.logIndex()) {
            file.add(new Mismatch("claim_disagrees", subject, "the raw log's position (block " + num(raw, "blockNumber") + " "
                    + text(raw, "blockHash") + ", tx " + text(raw, "transactionHash") + ", log " + num(raw, "logIndex")
                    + ") is not the payout's (block " + payout.blockNumber() + " " + payout.blockHash() + ", tx " + payout.txHash()
                    + ", log " + payout.logIndex() + ")"));
        }
        if (b.hasNonNull("receiptStatusOk") && !b.get("receiptStatusOk").asBoolean()) {
            file.add(new Mismatch("receipt_status", subject, "the bundle itself says the payout's receipt failed"));
        }
        againstAnchoredEvents(cashoutId, subject, events, payout, gross, file);
        return new Claims("proof bundle", subject, chainId, text(b, "escrow"), optText(b, "token"), List.of(anchor), events,
                List.of(payout), List.of(), file);
    }

    /**
     * A consistency proof between two anchored heads as {@code GET /v1/audit/anchors/consistency} returns it
     * ({@code {from, to, proof}}, each head with its seq, root and anchoring log): both roots are read from the chain
     * and the proof must show the first head is a prefix of the second (the log only grew).
     */
    static Claims consistency(JsonNode c) {
        JsonNode from = obj(c, "from");
        JsonNode to = obj(c, "to");
        Claims.AnchorClaim a = anchor(from);
        Claims.AnchorClaim b = anchor(to);
        Long chainId = from.hasNonNull("chainId") ? from.get("chainId").asLong() : null;
        List<Mismatch> file = new ArrayList<>();
        if (chainId != null && to.hasNonNull("chainId") && to.get("chainId").asLong() != chainId) {
            file.add(new Mismatch("claim_disagrees", "anchors", "the two heads name different chains"));
        }
        return new Claims("consistency proof", "anchors " + a.seq() + ".." + b.seq(), chainId, null, null, List.of(a, b), List.of(),
                List.of(), List.of(new Claims.ConsistencyClaim(a.seq(), b.seq(), strings(c, "proof"))), file);
    }

    static Claims.AnchorClaim anchor(JsonNode n) {
        return new Claims.AnchorClaim(num(n, "seq"), text(n, "root"), text(n, "txHash"), num(n, "blockNumber"), text(n, "blockHash"),
                (int) num(n, "logIndex"));
    }

    /**
     * The cash-out's creation event (its first event that names a destination) and its last cashout.settled event are in
     * the anchored log: the bundle's cash-out section must say what they say.
     */
    static void againstAnchoredEvents(String cashoutId, String subject, List<Claims.EventClaim> events, Claims.PayoutClaim p,
                                      BigInteger gross, List<Mismatch> out) {
        JsonNode created = null;
        long createdSeq = 0;
        JsonNode settled = null;
        long settledSeq = 0;
        for (Claims.EventClaim e : events) {
            AuditChain.Link l = e.link();
            if (!cashoutId.equals(l.subject())) continue;
            JsonNode payload;
            try {
                payload = JSON.readTree(l.payloadJson());
            } catch (IOException ex) {
                out.add(new Mismatch("malformed", "event " + l.seq(), "its payloadJson is not JSON"));
                continue;
            }
            if (created == null && payload.hasNonNull("destination")) {
                created = payload;
                createdSeq = l.seq();
            }
            if ("cashout.settled".equals(l.type())) {
                settled = payload;
                settledSeq = l.seq();
            }
        }
        if (created == null) {
            out.add(new Mismatch("claim_disagrees", subject, "the bundle has no anchored event that created the cash-out"));
        } else {
            String where = "the anchored " + "event " + createdSeq;
            agree(out, subject, where, "destination", created.path("destination").asText(), p.payee(), true);
            agree(out, subject, where, "grossBaseUnits", created.path("grossBaseUnits").asText(), gross.toString(), false);
            agree(out, subject, where, "netBaseUnits", created.path("netBaseUnits").asText(), p.net().toString(), false);
            agree(out, subject, where, "feeBaseUnits", created.path("feeBaseUnits").asText(), p.fee().toString(), false);
        }
        if (settled == null) {
            out.add(new Mismatch("claim_disagrees", subject, "the bundle has no anchored cashout.settled event for the cash-out"));
        } else {
            String where = "the anchored cashout.settled event " + settledSeq;
            agree(out, subject, where, "txHash", settled.path("txHash").asText(), p.txHash(), true);
            agree(out, subject, where, "blockHash", settled.path("blockHash").asText(), p.blockHash(), true);
            agree(out, subject, where, "blockNumber", settled.path("blockNumber").asText(), Long.toString(p.blockNumber()), false);
            agree(out, subject, where, "logIndex", settled.path("logIndex").asText(), Integer.toString(p.logIndex()), false);
            agree(out, subject, where, "payoutId", settled.path("payoutId").asText(), String.valueOf(p.payoutId()), false);
            agree(out, subject, where, "net", settled.path("net").asText(), p.net().toString(), false);
            agree(out, subject, where, "fee", settled.path("fee").asText(), p.fee().toString(), false);
        }
    }

    private static void agree(List<Mismatch> out, String subject, String where, String field, String anchored, String claimed,
                              boolean ignoreCase) {
        boolean eq = ignoreCase ? anchored.equalsIgnoreCase(claimed) : Objects.equals(anchored, claimed);
        if (!eq) {
            out.add(new Mismatch("claim_disagrees", subject, where + " says " + field + " " + anchored + ", the bundle's cash-out says " + claimed));
        }
    }

    static JsonNode obj(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isObject()) throw new Malformed(field + ": an object is required");
        return v;
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new Malformed(field + ": a string is required");
        return v.asText();
    }

    static String optText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static long num(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToLong()) throw new Malformed(field + ": a whole number is required");
        return v.asLong();
    }

    static BigInteger big(JsonNode n, String field) {
        JsonNode v = n.get(field);
        try {
            if (v != null && v.isIntegralNumber()) return v.bigIntegerValue();
            if (v != null && v.isTextual()) return new BigInteger(v.asText());
        } catch (NumberFormatException e) {
            // below
        }
        throw new Malformed(field + ": a whole number is required");
    }

    static Instant instant(JsonNode n, String field) {
        try {
            return Instant.parse(text(n, field));
        } catch (DateTimeParseException e) {
            throw new Malformed(field + ": an RFC 3339 time is required");
        }
    }

    static List<String> strings(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) throw new Malformed(field + ": an array of strings is required");
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode x : v) {
            if (!x.isTextual()) throw new Malformed(field + ": an array of strings is required");
            out.add(x.asText());
        }
        return out;
    }
}
