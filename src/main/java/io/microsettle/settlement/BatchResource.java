package io.microsettle.settlement;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Db;
import io.microsettle.infra.KeysetCursor;
import io.microsettle.infra.Validation;
import io.microsettle.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Settlement batches for operators (newest first; in lists too): payout ids, every transaction (replacements and no-ops included), fees, gas, status, times. */
@Path("/v1/batches")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.OPERATOR, Roles.ADMIN})
public class BatchResource {
    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;

    public record TxView(String txHash, String kind, String status, String from, long nonce, long gasLimit, String maxFeePerGasWei,
                         String maxPriorityFeePerGasWei, Long gasUsed, String effectiveGasPriceWei, String feePaidWei, Long broadcastBlock,
                         Long minedBlock, int broadcastAttempts, String lastError, Long fence, Instant createdAt, Instant broadcastAt) {}

    public record BatchView(String id, long chainBatchId, String status, String integratorId, String funder, String from, Long nonce,
                            int payoutCount, List<Long> payoutIds, String totalNet, String totalFee, long estimatedGas, String txHash,
                            Long submittedBlock, Long settledBlock, Instant createdAt, Instant updatedAt, Instant finishedAt,
                            List<TxView> transactions) {
        BatchView withTransactions(List<TxView> txs) {
            return new BatchView(id, chainBatchId, status, integratorId, funder, from, nonce, payoutCount, payoutIds, totalNet, totalFee,
                    estimatedGas, txHash, submittedBlock, settledBlock, createdAt, updatedAt, finishedAt, txs);
        }
    }

    public record BatchPage(List<BatchView> data, String nextCursor) {}

    @Inject
    AgroalDataSource ds;

    static final String SELECT = "SELECT id, chain_batch_id, status, integrator_id, funder_address, from_address, nonce, payout_count, "
            + "payout_ids, total_net_base_units, total_fee_base_units, estimated_gas, tx_hash, submitted_block, settled_block, created_at, "
            + "updated_at, finished_at FROM settlement_batches";
    static final String TX_SELECT = "tx_hash, kind, status, from_address, nonce, gas_limit, max_fee_per_gas_wei, max_priority_fee_per_gas_wei, "
            + "gas_used, effective_gas_price_wei, broadcast_block, mined_block, broadcast_attempts, last_error, fence, created_at, broadcast_at";

    @GET
    @Transactional
    public BatchPage list(@QueryParam("status") String status, @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int n = Validation.limit(limit, DEFAULT_PAGE, MAX_PAGE);
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE true");
        List<Object> args = new ArrayList<>();
        if (status != null) {
            sql.append(" AND status = ?");
            args.add(parse(status));
        }
        KeysetCursor.appendPage(sql, args, cursor, "created_at", "id", n);
        List<BatchView> rows = Db.query(ds, sql.toString(), rs -> batch(rs, List.of()), args.toArray());
        String next = null;
        if (rows.size() > n) {
            rows = rows.subList(0, n);
            next = new KeysetCursor(rows.get(n - 1).createdAt(), rows.get(n - 1).id()).encode();
        }
        // every page's transactions in one query (each batch has a handful: the original, replacements, a no-op)
        Map<String, List<TxView>> txs = new HashMap<>();
        if (!rows.isEmpty()) {
            Db.query(ds, "SELECT " + TX_SELECT + ", batch_id FROM settlement_txs WHERE batch_id = ANY(?) ORDER BY id",
                    rs -> txs.computeIfAbsent(rs.getString(18), k -> new ArrayList<>()).add(tx(rs)),
                    (Object) rows.stream().map(BatchView::id).toArray(String[]::new));
        }
        List<BatchView> data = rows.stream().map(b -> b.withTransactions(txs.getOrDefault(b.id(), List.of()))).toList();
        return new BatchPage(data, next);
    }

    @GET
    @Path("/{id}")
    @Transactional
    public BatchView get(@PathParam("id") String id) {
        Validation.id(id, "id");
        List<TxView> txs = Db.query(ds, "SELECT " + TX_SELECT + " FROM settlement_txs WHERE batch_id = ? ORDER BY id", BatchResource::tx, id);
        return Db.one(ds, SELECT + " WHERE id = ?", rs -> batch(rs, txs), id).orElseThrow(() -> ApiException.notFound("batch " + id));
    }

    private static BatchStatus parse(String status) {
        try {
            return BatchStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw ApiException.validation("status", "must be one of " + Arrays.toString(BatchStatus.values()));
        }
    }

    private static BatchView batch(ResultSet rs, List<TxView> txs) throws SQLException {
        Long[] payoutIds = (Long[]) rs.getArray(9).getArray();
        return new BatchView(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), checksum(rs.getString(5)), checksum(rs.getString(6)),
                (Long) rs.getObject(7), rs.getInt(8), List.of(payoutIds), Long.toString(rs.getLong(10)), Long.toString(rs.getLong(11)),
                rs.getLong(12), rs.getString(13), (Long) rs.getObject(14), (Long) rs.getObject(15), Db.instant(rs, 16), Db.instant(rs, 17),
                Db.instant(rs, 18), txs);
    }

    private static TxView tx(ResultSet rs) throws SQLException {
        Long gasUsed = (Long) rs.getObject(9);
        java.math.BigDecimal price = rs.getBigDecimal(10);
        String paid = gasUsed == null || price == null ? null : price.toBigInteger().multiply(java.math.BigInteger.valueOf(gasUsed)).toString();
        return new TxView(rs.getString(1), rs.getString(2), rs.getString(3), checksum(rs.getString(4)), rs.getLong(5), rs.getLong(6),
                rs.getBigDecimal(7).toBigInteger().toString(), rs.getBigDecimal(8).toBigInteger().toString(), gasUsed,
                price == null ? null : price.toBigInteger().toString(), paid, (Long) rs.getObject(11), (Long) rs.getObject(12), rs.getInt(13),
                rs.getString(14), (Long) rs.getObject(15), Db.instant(rs, 16), Db.instant(rs, 17));
    }

    private static String checksum(String address) {
        return address == null ? null : org.web3j.crypto.Keys.toChecksumAddress(address);
    }
}
