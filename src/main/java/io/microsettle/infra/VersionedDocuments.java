package io.microsettle.infra;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Versioned configuration documents (fee schedules, limits): each change inserts the next
 * version (rows are immutable); the owner of the table appends the audit event in the same
 * transaction ({@link #auditPayload}). The highest version is in force.
 */
@ApplicationScoped
public class VersionedDocuments {
    /** The tables this store serves (names are not user input; checked anyway). */
    public static final String FEE_SCHEDULES = "fee_schedules";
    public static final String LIMIT_SETS = "limit_sets";
    private static final Set<String> TABLES = Set.of(FEE_SCHEDULES, LIMIT_SETS);

    /** One stored version. */
    public record Doc(long version, String bodyJson, String createdBy, Instant createdAt) {}

    @Inject
    AgroalDataSource dataSource;

    @Transactional
    public Doc current(String table) {
        check(table);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT version, body::text, created_by, created_at FROM " + table + " ORDER BY version DESC LIMIT 1")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new IllegalStateException(table + " has no version");
                return new Doc(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, java.time.OffsetDateTime.class).toInstant());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read " + table, e);
        }
    }

    /**
     * Stores {@code bodyJson} as the version after {@code expectedCurrent} (the one the caller
     * validated against); a concurrent change in between is a 409 {@code version_conflict}.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Doc put(String table, long expectedCurrent, String bodyJson, String actor) {
        check(table);
        long next = expectedCurrent + 1;
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement lock = c.prepareStatement("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE")) {
                lock.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(version), 0) FROM " + table);
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) != expectedCurrent) {
                    throw ApiException.conflict("version_conflict", table.replace('_', ' ')
                            + " changed concurrently (now version " + rs.getLong(1) + "); read it again and retry");
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO " + table + " (version, body, created_by, created_at) VALUES (?, ?::jsonb, ?, ?)")) {
                ps.setLong(1, next);
                ps.setString(2, bodyJson);
                ps.setString(3, actor);
                ps.setObject(4, now.atOffset(java.time.ZoneOffset.UTC));
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not write " + table, e);
        }
        return new Doc(next, bodyJson, actor, now);
    }

    /** The audit subject of a stored version ({@code fee_schedules:3}). */
    public static String auditSubject(String table, Doc stored) {
        return table + ":" + stored.version();
    }

    /** The audit payload of a stored version: its number, the one it follows, and its body. */
    public static Map<String, Object> auditPayload(Doc stored) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("version", stored.version());
        payload.put("previousVersion", stored.version() - 1);
        payload.put("body", stored.bodyJson());
        return payload;
    }

    private static void check(String table) {
        if (!TABLES.contains(table)) throw new IllegalArgumentException("not a versioned table: " + table);
    }
}
