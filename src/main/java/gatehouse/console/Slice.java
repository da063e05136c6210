package gatehouse.console;

import gatehouse.errors.OAuthException;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * A page of a list the services answer whole (a person's OAuth sessions, browser sessions, the
 * signing keys: short lists read in one query), cut the way the API's cursors cut: in ID order,
 * after the cursor's ID, {@code limit} at a time.
 */
public record Slice<T>(List<T> data, String nextCursor) {

    public static <T> Slice<T> of(List<T> all, Function<T, UUID> id, String cursor, int limit) {
        UUID after = parse(cursor);
        List<T> rest = all.stream()
                .sorted(Comparator.comparing(id))
                .filter(item -> after == null || id.apply(item).compareTo(after) > 0)
                .toList();
        if (rest.size() <= limit) {
            return new Slice<>(rest, null);
        }
        List<T> page = rest.subList(0, limit);
        return new Slice<>(List.copyOf(page), id.apply(page.getLast()).toString());
    }

    private static UUID parse(String cursor) {
        if (cursor == null) {
            return null;
        }
        try {
            if (cursor.length() != 36) {
                throw new IllegalArgumentException();
            }
            return UUID.fromString(cursor);
        } catch (IllegalArgumentException e) {
            throw OAuthException.validation("cursor is not one this page gave");
        }
    }
}
