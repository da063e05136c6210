package gatehouse.crypto;

import gatehouse.store.Database;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Re-encrypts every value kept at rest under the newest key of GATEHOUSE_ENCRYPTION_KEYS (the
 * first), so an old key can then be dropped. Runs in batches, each in its own transaction and with
 * rows locked, so it can run beside live servers (which decrypt with every key anyway).
 */
public final class Reencryption {
    /** An encrypted column and the key of its table. */
    private record Column(String table, String id, String value) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("vault_credentials", "id", "material"),
            new Column("connect_states", "state_hash", "code_verifier"),
            new Column("webhook_secrets", "client_id", "secret"),
            new Column("signing_keys", "id", "private_jwk_encrypted"),
            new Column("refresh_tokens", "id", "successor_sealed"));
    private static final int BATCH = 200;

    private final Database database;
    private final Encryption encryption;

    public Reencryption(Database database, Encryption encryption) {
        this.database = database;
        this.encryption = encryption;
    }

    /** Re-encrypts everything; returns how many values per table. */
    public Map<String, Integer> run() {
        var counts = new LinkedHashMap<String, Integer>();
        for (Column column : COLUMNS) {
            counts.put(column.table(), reencrypt(column));
        }
        return counts;
    }

    private int reencrypt(Column column) {
        int total = 0;
        String cursor = null;
        while (true) {
            String after = cursor;
            List<Map<String, Object>> rows = database.inTransaction(handle -> batch(handle, column, after));
            if (rows.isEmpty()) {
                return total;
            }
            total += rows.size();
            cursor = String.valueOf(rows.getLast().get("cursor"));
        }
    }

    private List<Map<String, Object>> batch(Handle handle, Column column, String after) {
        // Ordered by the key's text form, so the cursor works for uuid, text and bytea keys alike.
        List<Map<String, Object>> rows = handle.createQuery("SELECT " + column.id() + " AS id, " + column.id()
                        + "::text AS cursor, " + column.value() + " AS value FROM " + column.table()
                        + " WHERE " + column.value() + " IS NOT NULL AND (CAST(:after AS text) IS NULL OR "
                        + column.id() + "::text > :after) ORDER BY " + column.id() + "::text LIMIT " + BATCH
                        + " FOR UPDATE")
                .bind("after", after)
                .mapToMap()
                .list();
        for (Map<String, Object> row : rows) {
            String sealed = encryption.encrypt(encryption.decrypt((String) row.get("value")));
            handle.createUpdate("UPDATE " + column.table() + " SET " + column.value() + " = :value WHERE "
                            + column.id() + " = :id")
                    .bind("value", sealed)
                    .bindByType("id", row.get("id"), row.get("id").getClass())
                    .execute();
        }
        return rows;
    }
}
