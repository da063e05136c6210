package gatehouse.store;

import gatehouse.errors.OAuthException;
import java.util.UUID;

/** {@code ?limit=} (1..200, default 50) and {@code ?cursor=} (the last ID of the previous page). */
public record PageRequest(int limit, UUID after) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;
    private static final UUID START = new UUID(0, 0);

    /** {@code after} null means the first page. */
    public PageRequest {
        after = after == null ? START : after;
    }

    /** The first {@code limit} rows. */
    public static PageRequest first(int limit) {
        return new PageRequest(limit, START);
    }

    public static PageRequest parse(String limit, String cursor) {
        int size = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                throw OAuthException.validation("limit must be a whole number from 1 to " + MAX_LIMIT);
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw OAuthException.validation("limit must be a whole number from 1 to " + MAX_LIMIT);
            }
        }
        UUID after = START;
        if (cursor != null) {
            try {
                if (cursor.length() != 36) {
                    throw new IllegalArgumentException();
                }
                after = UUID.fromString(cursor);
            } catch (IllegalArgumentException e) {
                throw OAuthException.validation("cursor is not one this API returned");
            }
        }
        return new PageRequest(size, after);
    }

    /** How many rows to fetch: one more than the page, to learn whether another page follows. */
    public int fetchSize() {
        return limit + 1;
    }
}
