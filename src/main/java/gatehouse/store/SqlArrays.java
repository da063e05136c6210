package gatehouse.store;

import java.time.Instant;
import java.util.Arrays;
import org.jdbi.v3.core.argument.Argument;

/**
 * Column arrays as statement parameters, for writing many rows with one fixed statement
 * ({@code unnest(:a, :b, …)}): the text stays the same whatever the number of rows, so the driver
 * keeps it prepared, unlike a VALUES list that grows with the batch.
 */
public final class SqlArrays {
    private SqlArrays() {
    }

    /**
     * {@code values} as one {@code elementType[]} parameter; the driver encodes String[], UUID[],
     * Boolean[] and byte[][] (bytea) itself. Null elements are SQL NULLs.
     */
    public static Argument of(String elementType, Object[] values) {
        return (position, statement, ctx) ->
                statement.setArray(position, statement.getConnection().createArrayOf(elementType, values));
    }

    /** Instants as one timestamptz[] parameter (ISO-8601 text, which PostgreSQL reads to the microsecond). */
    public static Argument ofInstants(Instant[] values) {
        return of("timestamptz", Arrays.stream(values).map(at -> at == null ? null : at.toString()).toArray(String[]::new));
    }
}
