package gatehouse.oauth;

import java.util.function.Function;

/** Runs a grant's steps as one unit of work. */
public interface Transactions {

    /**
     * Runs {@code work} in one transaction: everything it writes commits when it returns, nothing
     * when it throws. A refusal that must still write (a consumed code, a revoked family) is
     * therefore returned ({@link Outcome}), never thrown.
     */
    <T> T inTransaction(Function<Tx, T> work);
}
