package gatehouse.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the console writes times: in UTC, to the second, with no fraction a person does not need. */
public final class Format {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private Format() {
    }

    /** {@code 2026-12-04 16:57:06 UTC}, or "—" for none. */
    public static String time(Instant instant) {
        return instant == null ? "—" : TIME.format(instant);
    }

    /** {@code 2026-12-04}, or "—" for none. */
    public static String date(Instant instant) {
        return instant == null ? "—" : DATE.format(instant);
    }

    /** A time given in epoch seconds. */
    public static String time(long epochSeconds) {
        return time(Instant.ofEpochSecond(epochSeconds));
    }
}
