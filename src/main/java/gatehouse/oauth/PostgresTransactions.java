package gatehouse.oauth;

import gatehouse.store.Database;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/** Units of work on PostgreSQL: a {@link Tx} carries the open handle the PostgreSQL stores run on. */
public final class PostgresTransactions implements Transactions {
    private final Database database;

    public PostgresTransactions(Database database) {
        this.database = database;
    }

    /** The handle of a unit of work opened here. */
    record HandleTx(Handle handle) implements Tx {
    }

    static Handle handle(Tx tx) {
        if (tx instanceof HandleTx handleTx) {
            return handleTx.handle();
        }
        throw new IllegalArgumentException("not a PostgreSQL unit of work: " + tx);
    }

    @Override
    public <T> T inTransaction(Function<Tx, T> work) {
        return database.inTransaction(handle -> work.apply(new HandleTx(handle)));
    }
}
