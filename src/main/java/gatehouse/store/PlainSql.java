package gatehouse.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * A statement for the token endpoint's hot paths, run with plain JDBC on a Jdbi handle's connection
 * (so inside its transaction): text with positional {@code ?} and the values they take, in order.
 * Jdbi's named binding, argument-factory lookup and statement context cost more than the statement
 * itself there (BENCHMARKS.md); everywhere else Jdbi's statements are the rule.
 */
public final class PlainSql {
    private final StringBuilder text = new StringBuilder(512);
    private final List<Object> values = new ArrayList<>();

    /** Reads one row of a result. */
    @FunctionalInterface
    public interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** A failed statement: the driver's exception is its cause, so SQL states still decide the answer. */
    public static final class StatementFailed extends RuntimeException {
        StatementFailed(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Appends {@code fragment}; its {@code ?} take {@code fragmentValues}, in order (a UUID, Instant,
     * byte[], String, Boolean, Integer or null).
     */
    public PlainSql add(String fragment, Object... fragmentValues) {
        text.append(fragment);
        values.addAll(Arrays.asList(fragmentValues));
        return this;
    }

    /** Runs the statement; returns what {@code reader} made of each row. */
    public <T> List<T> query(Handle handle, RowReader<T> reader) {
        try (PreparedStatement statement = handle.getConnection().prepareStatement(text.toString())) {
            bind(statement);
            var rows = new ArrayList<T>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    rows.add(reader.read(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new StatementFailed(e);
        }
    }

    /** Runs a statement that returns no rows; returns how many it changed. */
    public int update(Handle handle) {
        try (PreparedStatement statement = handle.getConnection().prepareStatement(text.toString())) {
            bind(statement);
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new StatementFailed(e);
        }
    }

    private void bind(PreparedStatement statement) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            int position = i + 1;
            switch (values.get(i)) {
                case null -> statement.setNull(position, Types.OTHER);
                case String value -> statement.setString(position, value);
                case UUID value -> statement.setObject(position, value);
                case Instant value -> statement.setObject(position, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
                case byte[] value -> statement.setBytes(position, value);
                case Boolean value -> statement.setBoolean(position, value);
                case Integer value -> statement.setInt(position, value);
                default -> throw new IllegalArgumentException("cannot bind a " + values.get(i).getClass().getName());
            }
        }
    }
}
