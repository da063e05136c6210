package gatehouse.vault;

import org.jdbi.v3.core.Handle;

/**
 * Where the vault reports what happened to a connection (docs/vault-events.md): {@code
 * connection.created}, {@code .refreshed}, {@code .refresh_failed}, {@code .needs_reauth}, {@code
 * .revoked}, {@code .expiring}, {@code .suspended}, {@code .unsuspended}. Called in the transaction
 * of the change with the connection as it now is, so an event goes out exactly when the change
 * lands; the webhook outbox implements it.
 */
public interface ConnectionEvents {
    /** {@code error}: the provider's error code for failures; null otherwise. */
    void changed(Handle handle, String type, Connection connection, String error);
}
