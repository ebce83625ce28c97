package io.microsettle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * A database that cannot serve (disk full, connection lost, out of connections, shutting down) is a 503 problem
 * {@code database_unavailable} with {@code Retry-After}, not a 500: seen when a benchmark filled the disk and the
 * ledger check's sort could not write its temporary file (SQL state 53100). Other database errors stay 500.
 */
class DatabaseUnavailableTest {
    final ProblemMappers mappers = new ProblemMappers();

    static RuntimeException wrapped(String sqlState) {
        // as it reaches the mapper: the driver's exception under the data-access layers' wrappers
        return new IllegalStateException("statement failed", new RuntimeException(new SQLException("ERROR: from the database", sqlState)));
    }

    @Test
    void statesOfADatabaseThatCannotServeAreUnavailable() {
        for (String state : new String[] {"53100", "53200", "53300", "53400", "08006", "08001", "57P01", "57P02", "57P03"}) {
            assertThat(TransactionRetry.isDatabaseUnavailable(wrapped(state))).as(state).isTrue();
        }
        for (String state : new String[] {"23505", "42P01", "40001", "57014", "22003"}) {
            assertThat(TransactionRetry.isDatabaseUnavailable(wrapped(state))).as(state).isFalse();
        }
        assertThat(TransactionRetry.isDatabaseUnavailable(new IllegalStateException("no SQL state"))).isFalse();
    }

    @Test
    void aDiskFullIsAnswered503WithRetryAfterAndOtherDatabaseErrors500() {
        Response full = mappers.unexpected(wrapped("53100"), null);
        assertThat(full.getStatus()).isEqualTo(503);
        assertThat(full.getHeaderString("Retry-After")).isEqualTo(Long.toString(TransactionRetry.DATABASE_RETRY_AFTER_SECONDS));
        assertThat(((Problem) full.getEntity()).code()).isEqualTo("database_unavailable");

        Response other = mappers.unexpected(wrapped("42P01"), null);
        assertThat(other.getStatus()).isEqualTo(500);
        assertThat(((Problem) other.getEntity()).code()).isEqualTo("internal_error");
    }
}
