package gatehouse.store;

import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** One page of a list: {@code {"data": [...], "next_cursor": "..." | null}} (docs/http.md conventions). */
public record Page<T>(List<T> data, String nextCursor) {

    /**
     * Builds a page from up to {@code limit + 1} rows fetched in cursor order: the extra row only
     * says that another page exists.
     */
    public static <T> Page<T> of(List<T> rows, int limit, Function<T, Object> cursorOf) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> data = rows.subList(0, limit);
        return new Page<>(List.copyOf(data), String.valueOf(cursorOf.apply(data.get(limit - 1))));
    }

    /**
     * The page {@code page} asks for of a short list read whole (a person's sessions, the signing
     * keys), cut as the database cuts its pages: in ID order (PostgreSQL's, which is the text's),
     * after the cursor's ID.
     */
    public static <T> Page<T> cut(List<T> all, Function<T, UUID> id, PageRequest page) {
        String after = page.after().toString();
        List<T> rows = all.stream()
                .sorted(Comparator.comparing(item -> id.apply(item).toString()))
                .filter(item -> id.apply(item).toString().compareTo(after) > 0)
                .limit(page.fetchSize())
                .toList();
        return of(rows, page.limit(), id::apply);
    }

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(data.stream().map(mapper).toList(), nextCursor);
    }
}
