package io.microsettle.verify;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A settlement export as {@code GET /v1/audit/export} returns it, CSV or JSON (told apart by the first character),
 * read into {@link Claims}: the anchors that cover the period (each must be on chain with its root) and one payout per
 * row (cashoutId, payee, gross, fee, net, payoutId, chainBatchId, txHash, blockNumber, blockHash, logIndex). A row
 * whose gross is not net + fee, or whose cash-out appears twice, is named. The JSON rows are read one at a time.
 */
public final class ExportFile {
    /** At most this many rows: the claims are held in memory while the chain is read (an export covers a bounded period). */
    public static final int MAX_ROWS = 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PREAMBLE = Pattern.compile("^# microsettle settled cash-outs from (\\S+) to (\\S+), chain (\\d+), escrow (0x[0-9a-fA-F]{40}), token (0x[0-9a-fA-F]{40})\\s*$");
    private static final Pattern ANCHOR = Pattern.compile("^# anchor seq=(\\d+) root=([0-9a-fA-Fx]+) txHash=(0x[0-9a-fA-F]+) blockNumber=(\\d+) blockHash=(0x[0-9a-fA-F]+) logIndex=(\\d+)\\s*$");

    private ExportFile() {}

    public static Claims read(Path file) throws IOException {
        try (InputStream probe = Files.newInputStream(file)) {
            int c;
            do {
                c = probe.read();
            } while (c >= 0 && Character.isWhitespace(c));
            if (c < 0) throw new ProofBundleFile.Malformed(file + " is empty");
            return c == '{' ? json(file) : csv(file);
        }
    }

    static Claims csv(Path file) throws IOException {
        Long chainId = null;
        String escrow = null;
        String token = null;
        String period = null;
        List<Claims.AnchorClaim> anchors = new ArrayList<>();
        Rows rows = new Rows();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            List<String> header = null;
            long lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                if (line.startsWith("#")) {
                    Matcher p = PREAMBLE.matcher(line);
                    Matcher a = ANCHOR.matcher(line);
                    if (p.matches()) {
                        period = p.group(1) + ".." + p.group(2);
                        chainId = Long.parseLong(p.group(3));
                        escrow = p.group(4);
                        token = p.group(5);
                    } else if (a.matches()) {
                        anchors.add(new Claims.AnchorClaim(Long.parseLong(a.group(1)), a.group(2), a.group(3), Long.parseLong(a.group(4)),
                                a.group(5), Integer.parseInt(a.group(6))));
                    }
                    continue;
                }
                if (header == null) {
                    header = List.of(line.split(",", -1));
                    for (String required : List.of("cashoutId", "payee", "gross", "fee", "net", "txHash", "blockNumber", "blockHash", "logIndex")) {
                        if (!header.contains(required)) throw new ProofBundleFile.Malformed("the CSV header has no " + required + " column");
                    }
                    continue;
                }
                String[] v = line.split(",", -1);
                if (v.length != header.size()) {
                    rows.file.add(new Mismatch("malformed", "line " + lineNo, "has " + v.length + " fields, the header " + header.size()));
                    continue;
                }
                Map<String, String> m = new HashMap<>();
                for (int i = 0; i < v.length; i++) m.put(header.get(i), v[i]);
                rows.add(m, "line " + lineNo);
            }
            if (header == null) throw new ProofBundleFile.Malformed(file + " has no CSV header row: not an export");
        }
        return rows.claims(period, chainId, escrow, token, anchors);
    }

    static Claims json(Path file) throws IOException {
        Long chainId = null;
        String escrow = null;
        String token = null;
        String from = null;
        String to = null;
        List<Claims.AnchorClaim> anchors = new ArrayList<>();
        Rows rows = new Rows();
        try (JsonParser p = JSON.getFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new ProofBundleFile.Malformed("an export is a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "data" -> {
                        if (p.currentToken() != JsonToken.START_ARRAY) throw new ProofBundleFile.Malformed("data: an array is required");
                        int i = 0;
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            JsonNode row = JSON.readTree(p);
                            Map<String, String> m = new HashMap<>();
                            row.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
                            rows.add(m, "row " + (i++));
                        }
                    }
                    case "anchors" -> {
                        JsonNode a = JSON.readTree(p);
                        if (!a.isArray()) throw new ProofBundleFile.Malformed("anchors: an array is required");
                        for (JsonNode x : a) anchors.add(ProofBundleFile.anchor(x));
                    }
                    case "chainId" -> chainId = p.getLongValue();
                    case "escrow" -> escrow = p.getText();
                    case "token" -> token = p.getText();
                    case "from" -> from = p.getText();
                    case "to" -> to = p.getText();
                    default -> p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProofBundleFile.Malformed(file + " is not JSON: " + e.getOriginalMessage());
        }
        return rows.claims(from == null ? null : from + ".." + to, chainId, escrow, token, anchors);
    }

    /** The rows read so far as payout claims, and what is wrong with them inside the file. */
    static final class Rows {
        final List<Claims.PayoutClaim> payouts = new ArrayList<>();
        final List<Mismatch> file = new ArrayList<>();
        final Map<String, String> seen = new HashMap<>();

        void add(Map<String, String> m, String where) {
            if (payouts.size() >= MAX_ROWS) throw new ProofBundleFile.Malformed("more than " + MAX_ROWS + " rows");
            String id = m.getOrDefault("cashoutId", "");
            String subject = where + " (cash-out " + id + ")";
            try {
                BigInteger gross = new BigInteger(m.get("gross"));
                BigInteger net = new BigInteger(m.get("net"));
                BigInteger fee = new BigInteger(m.get("fee"));
                if (!gross.equals(net.add(fee))) {
                    file.add(new Mismatch("gross_amount", subject, "gross " + gross + " is not net " + net + " + fee " + fee));
                }
                String earlier = seen.put(id, where);
                if (earlier != null) file.add(new Mismatch("duplicate_row", subject, "the cash-out is also on " + earlier));
                payouts.add(new Claims.PayoutClaim(subject, required(m, "txHash"), Long.parseLong(m.get("blockNumber")),
                        required(m, "blockHash"), Integer.parseInt(m.get("logIndex")), required(m, "payee"), net, fee,
                        optional(m, "payoutId"), optional(m, "chainBatchId"), null, null));
            } catch (RuntimeException e) {
                file.add(new Mismatch("malformed", subject, "a field is missing or not a number: " + e.getMessage()));
            }
        }

        Claims claims(String period, Long chainId, String escrow, String token, List<Claims.AnchorClaim> anchors) {
            List<Mismatch> all = new ArrayList<>(file);
            if (anchors.isEmpty()) all.add(new Mismatch("anchor_missing", "export", "the export names no anchor covering its period"));
            return new Claims("export", "settled cash-outs " + (period == null ? "" : period) + " (" + payouts.size() + " rows)", chainId,
                    escrow, token, anchors, List.of(), payouts, List.of(), all);
        }

        static String required(Map<String, String> m, String k) {
            String v = m.get(k);
            if (v == null || v.isEmpty()) throw new IllegalArgumentException(k + " is empty");
            return v;
        }

        static BigInteger optional(Map<String, String> m, String k) {
            String v = m.get(k);
            return v == null || v.isEmpty() ? null : new BigInteger(v);
        }
    }
}
