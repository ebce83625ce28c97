package io.microsettle.infra;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * The one JDBC helper for set-based SQL: statements on the current transaction's connection
 * (Agroal enlists it in the JTA transaction; without one, each statement commits by itself).
 * Arrays bind as PostgreSQL arrays ({@code long[]}, {@code Long[]}, {@code String[]}), instants as
 * {@code timestamptz}, enums by name, big integers as {@code numeric}.
 */
public final class Db {
    private Db() {}

    public interface RowMapper<T> { T map(ResultSet rs) throws SQLException; }

    public static <T> List<T> query(DataSource ds, String sql, RowMapper<T> mapper, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rows(rs, mapper);
        } catch (SQLException e) {
            throw failed(e, sql);
        }
    }

    /** The rows of a {@link #queryAt} and the clock reading its arguments were made from. */
    public record RowsAt<T>(List<T> rows, long clockReading) {}

    /**
     * A query whose arguments are made from {@code clock}'s reading taken once the connection is in
     * hand, for a statement that decides by the time it runs (a rate limit): a wait for a pooled
     * connection comes before the reading, so it cannot make the reading stale.
     */
    public static <T> RowsAt<T> queryAt(DataSource ds, LongSupplier clock, String sql, RowMapper<T> mapper,
                                        LongFunction<Object[]> argsAt) {
        try (Connection c = ds.getConnection()) {
            long reading = clock.getAsLong();
            try (PreparedStatement ps = prepare(c, sql, argsAt.apply(reading)); ResultSet rs = ps.executeQuery()) {
                return new RowsAt<>(rows(rs, mapper), reading);
            }
        } catch (SQLException e) {
            throw failed(e, sql);
        }
    }

    /** A row handler that may stop the stream (false: no more rows). */
    public interface RowConsumer { boolean accept(ResultSet rs) throws SQLException; }

    /**
     * Streams the rows of a query {@code fetchSize} at a time (inside a transaction, PostgreSQL sends
     * them through a cursor), for reads too large to hold: the audit log's re-hash.
     */
    public static void forEach(DataSource ds, String sql, int fetchSize, RowConsumer consumer, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql, args)) {
            ps.setFetchSize(fetchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!consumer.accept(rs)) return;
                }
            }
        } catch (SQLException e) {
            throw failed(e, sql);
        }
    }

    /** The first row, if any. */
    public static <T> Optional<T> one(DataSource ds, String sql, RowMapper<T> mapper, Object... args) {
        List<T> rows = query(ds, sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    /** The first column of the first row as a long (a count or a sum); IllegalStateException if there is no row. */
    public static long scalar(DataSource ds, String sql, Object... args) {
        return one(ds, sql, rs -> rs.getLong(1), args).orElseThrow(() -> new IllegalStateException("no row: " + sql));
    }

    public static int update(DataSource ds, String sql, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failed(e, sql);
        }
    }

    private static <T> List<T> rows(ResultSet rs, RowMapper<T> mapper) throws SQLException {
        List<T> out = new ArrayList<>();
        while (rs.next()) out.add(mapper.map(rs));
        return out;
    }

    /** Reads a {@code timestamptz} column. */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** The SQL state survives in the cause (retries at the transaction boundary look for it). */
    private static IllegalStateException failed(SQLException e, String sql) {
        return new IllegalStateException(e.getMessage() + " [" + sql + "]", e);
    }

    private static PreparedStatement prepare(Connection c, String sql, Object[] args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            bind(c, ps, i + 1, args[i]);
        }
        return ps;
    }

    private static void bind(Connection c, PreparedStatement ps, int index, Object a) throws SQLException {
        switch (a) {
            case long[] longs -> {
                Long[] boxed = new Long[longs.length];
                for (int j = 0; j < longs.length; j++) boxed[j] = longs[j];
                ps.setArray(index, c.createArrayOf("bigint", boxed));
            }
            case Long[] longs -> ps.setArray(index, c.createArrayOf("bigint", longs));
            case String[] strings -> ps.setArray(index, c.createArrayOf("text", strings));
            case BigInteger bi -> ps.setBigDecimal(index, new BigDecimal(bi));
            case Instant t -> ps.setObject(index, t.atOffset(ZoneOffset.UTC));
            case Enum<?> e -> ps.setString(index, e.name());
            case null -> ps.setObject(index, null);
            default -> ps.setObject(index, a);
        }
    }
}
