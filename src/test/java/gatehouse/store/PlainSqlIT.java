package gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.testing.TestServer;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The plain-JDBC statements of the hot paths bind every kind of value, nulls included, and keep SQL states. */
class PlainSqlIT {
    private final Database database = TestServer.get().app().database();

    @Test
    void bindsEachKindOfValueInOrderAndReadsThemBack() {
        UUID id = UUID.randomUUID();
        Instant at = Instant.parse("2026-12-04T12:34:56.789Z");
        List<String> row = database.withHandle(handle -> new PlainSql()
                .add("SELECT CAST(? AS uuid)::text, CAST(? AS timestamptz) = CAST('2026-12-04T12:34:56.789Z' AS timestamptz),",
                        id, at)
                .add(" encode(CAST(? AS bytea), 'hex'), ? || '!', CAST(? AS boolean)::text, CAST(? AS int) + 1,", new byte[] {1, 2},
                        "text", true, 41)
                .add(" CAST(? AS text) IS NULL", (Object) null)
                .query(handle, rs -> List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7))))
                .getFirst();

        assertThat(row).containsExactly(id.toString(), "t", "0102", "text!", "true", "42", "t");
    }

    @Test
    void anUntypedNullTakesItsColumnsType() {
        int changed = database.inTransaction(handle -> {
            handle.execute("CREATE TEMP TABLE plain_sql_test (id uuid, at timestamptz, note text) ON COMMIT DROP");
            return new PlainSql().add("INSERT INTO plain_sql_test VALUES (?, ?, ?)", null, null, null).update(handle);
        });

        assertThat(changed).isEqualTo(1);
    }

    @Test
    void aFailedStatementKeepsTheDriversSqlStateAsItsCause() {
        assertThatThrownBy(() -> database.withHandle(handle -> new PlainSql().add("SELECT 1 / ?", 0)
                .query(handle, rs -> rs.getInt(1))))
                .isInstanceOf(PlainSql.StatementFailed.class)
                .cause().isInstanceOf(SQLException.class)
                .extracting(cause -> ((SQLException) cause).getSQLState()).isEqualTo("22012");
    }

    @Test
    void aValueOfAnotherKindIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> database.withHandle(handle -> new PlainSql().add("SELECT ?", 1.5)
                .query(handle, rs -> rs.getInt(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
