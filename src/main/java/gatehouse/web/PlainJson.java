package gatehouse.web;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes a map of plain values by hand: strings, booleans, whole numbers, UUIDs and instants (as
 * strings), null, and lists and maps of those. The introspection and token answers are such maps,
 * and Jackson's generic map path was a twelfth of an introspection's CPU (BENCHMARKS.md). The
 * output is byte for byte what {@link Json#MAPPER} writes for the same map (PlainJsonTest proves
 * it); anything else, and any string with a surrogate (Jackson escapes those), is left to Jackson.
 */
final class PlainJson {
    private static final String HEX = "0123456789ABCDEF";
    private PlainJson() {
    }

    /** The map as JSON in UTF-8, or null when it holds a value this does not write. */
    static byte[] write(Map<?, ?> map) {
        var out = new StringBuilder(256);
        return appendMap(out, map) ? out.toString().getBytes(StandardCharsets.UTF_8) : null;
    }

    private static boolean appendMap(StringBuilder out, Map<?, ?> map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key)) {
                return false;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            if (!appendString(out, key)) {
                return false;
            }
            out.append(':');
            if (!appendValue(out, entry.getValue())) {
                return false;
            }
        }
        out.append('}');
        return true;
    }

    private static boolean appendValue(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case String text -> {
                return appendString(out, text);
            }
            case Boolean flag -> out.append(flag.booleanValue());
            case Integer number -> out.append(number.intValue());
            case Long number -> out.append(number.longValue());
            case UUID id -> out.append('"').append(id).append('"');
            case Instant instant -> {
                return appendString(out, Json.instant(instant));
            }
            case Map<?, ?> map -> {
                return appendMap(out, map);
            }
            case List<?> list -> {
                return appendList(out, list);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static boolean appendList(StringBuilder out, List<?> list) {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            if (!appendValue(out, list.get(i))) {
                return false;
            }
        }
        out.append(']');
        return true;
    }

    /**
     * A JSON string as Jackson writes it: the short escapes, and a six-character unicode escape for
     * other control characters. False, with nothing to keep, for a string holding a surrogate.
     */
    private static boolean appendString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                return false;
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xF));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        return true;
    }
}
