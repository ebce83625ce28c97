package io.microsettle.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.ChainClient;
import io.microsettle.infra.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Settled cash-outs of a period [from, to) by settlement time, streamed as CSV or JSON with every field a
 * reconciliation needs, and the anchors that cover the period: the audit events of the period are in
 * the first anchored head anchored at or after their time, so the anchors anchored from {@code from} on,
 * up to the first one anchored at or after {@code to}, cover it ({@code coveredUntil} false: the period's
 * end is not anchored yet). Rows are read through a cursor in one read-only transaction (no row locks),
 * {@link #FETCH_SIZE} at a time, never held in memory whole.
 */
@ApplicationScoped
public class SettlementExport {
    static final int FETCH_SIZE = 1_000;
    public static final List<String> COLUMNS = List.of("cashoutId", "integratorId", "accountId", "payee", "gross", "fee", "net",
            "payoutId", "batchId", "chainBatchId", "txHash", "blockNumber", "blockHash", "logIndex", "settledAt");

    @Inject
    AgroalDataSource ds;
    @Inject
    ChainClient chain;
    @Inject
    ObjectMapper mapper;

    public enum Format { CSV, JSON }

    public record Covering(List<AnchorStore.Anchor> anchors, boolean coveredUntil) {}

    public Covering covering(Instant from, Instant to) {
        List<AnchorStore.Anchor> after = Db.query(ds, "SELECT seq, root, chain_id, tx_hash, block_number, block_hash, log_index, anchored_at "
                        + "FROM audit_anchors WHERE state = 'ANCHORED' AND anchored_at >= ? AND seq <= coalesce((SELECT min(seq) FROM "
                        + "audit_anchors WHERE state = 'ANCHORED' AND anchored_at >= ?), 9223372036854775807) ORDER BY seq LIMIT 10000",
                rs -> new AnchorStore.Anchor(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                        rs.getInt(7), Db.instant(rs, 8)), from, to);
        boolean coveredUntil = !after.isEmpty() && !after.getLast().anchoredAt().isBefore(to);
        return new Covering(after, coveredUntil);
    }

    /** The HTTP header value naming the covering anchors: seq:txHash, comma separated. */
    public static String header(Covering c) {
        StringBuilder sb = new StringBuilder();
        for (AnchorStore.Anchor a : c.anchors()) sb.append(sb.isEmpty() ? "" : ",").append(a.seq()).append(':').append(a.txHash());
        return sb.toString();
    }

    private static final String SQL = "SELECT c.id, c.integrator_id, c.account_id, c.destination, c.gross_base_units, c.fee_base_units, "
            + "c.net_base_units, c.payout_id, c.batch_id, b.chain_batch_id, c.tx_hash, c.block_number, c.block_hash, c.log_index, c.settled_at "
            + "FROM cashouts c LEFT JOIN settlement_batches b ON b.id = c.batch_id "
            + "WHERE c.status = 'SETTLED' AND c.settled_at >= ? AND c.settled_at < ? ORDER BY c.settled_at, c.id";

    public void write(OutputStream out, Format format, Instant from, Instant to, Covering covering) {
        QuarkusTransaction.requiringNew().run(() -> {
            try {
                if (format == Format.CSV) csv(out, from, to, covering);
                else json(out, from, to, covering);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private void csv(OutputStream out, Instant from, Instant to, Covering covering) throws IOException {
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        w.write("# microsettle settled cash-outs from " + from + " to " + to + ", chain " + chain.chainId() + ", escrow "
                + chain.escrowAddress() + ", token " + chain.tokenAddress() + "\n");
        for (AnchorStore.Anchor a : covering.anchors()) {
            w.write("# anchor seq=" + a.seq() + " root=" + a.root() + " txHash=" + a.txHash() + " blockNumber=" + a.blockNumber()
                    + " blockHash=" + a.blockHash() + " logIndex=" + a.logIndex() + "\n");
        }
        if (!covering.coveredUntil()) w.write("# the end of the period is not covered by an anchor yet\n");
        w.write(String.join(",", COLUMNS));
        w.write("\n");
        Db.forEach(ds, SQL, FETCH_SIZE, rs -> {
            try {
                String[] v = row(rs);
                for (int i = 0; i < v.length; i++) {
                    if (i > 0) w.write(',');
                    w.write(v[i] == null ? "" : v[i]);  // ids, addresses, hashes, numbers and RFC 3339 times: nothing to quote
                }
                w.write("\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        }, from, to);
        w.flush();
    }

    private void json(OutputStream out, Instant from, Instant to, Covering covering) throws IOException {
        JsonGenerator g = mapper.getFactory().createGenerator(out, JsonEncoding.UTF8);
        g.writeStartObject();
        g.writeStringField("from", from.toString());
        g.writeStringField("to", to.toString());
        g.writeNumberField("chainId", chain.chainId());
        g.writeStringField("escrow", chain.escrowAddress());
        g.writeStringField("token", chain.tokenAddress());
        g.writeFieldName("anchors");
        mapper.writeValue(nonClosing(g), covering.anchors());
        g.writeBooleanField("coveredUntil", covering.coveredUntil());
        g.writeArrayFieldStart("data");
        Db.forEach(ds, SQL, FETCH_SIZE, rs -> {
            try {
                String[] v = row(rs);
                g.writeStartObject();
                for (int i = 0; i < v.length; i++) {
                    String name = COLUMNS.get(i);
                    if (v[i] == null) g.writeNullField(name);
                    else if (name.equals("blockNumber") || name.equals("logIndex") || name.equals("payoutId") || name.equals("chainBatchId")) {
                        g.writeNumberField(name, Long.parseLong(v[i]));
                    } else g.writeStringField(name, v[i]);  // money as decimal strings, as everywhere in the API
                }
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        }, from, to);
        g.writeEndArray();
        g.writeEndObject();
        g.flush();
    }

    private static JsonGenerator nonClosing(JsonGenerator g) {
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        return g;
    }

    private static String[] row(ResultSet rs) throws SQLException {
        String[] v = new String[COLUMNS.size()];
        for (int i = 0; i < v.length - 1; i++) {
            Object o = rs.getObject(i + 1);
            v[i] = o == null ? null : o.toString();
        }
        Instant settled = Db.instant(rs, v.length);
        v[v.length - 1] = settled == null ? null : settled.toString();
        return v;
    }
}
