package gatehouse.web;

import gatehouse.errors.OAuthException;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Form or query parameters parsed strictly: broken percent-encoding and invalid UTF-8 are refused,
 * and a parameter sent twice is remembered so the OAuth endpoints can refuse it (RFC 6749 §3.1:
 * "Request and response parameters MUST NOT be included more than once"). Empty values count as
 * absent, as §3.1 also asks (so an empty duplicate is not a repetition).
 */
public final class FormParams {
    static final int MAX_PARAMETERS = 100;
    static final int MAX_VALUE_LENGTH = 8192;

    private final Map<String, List<String>> values;

    private FormParams(Map<String, List<String>> values) {
        this.values = values;
    }

    public static FormParams parse(byte[] body) {
        return parse(new String(body, StandardCharsets.ISO_8859_1));
    }

    /** Parses {@code a=1&b=2}; null or empty text gives no parameters. */
    public static FormParams parse(String text) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return new FormParams(values);
        }
        String[] pairs = text.split("&", -1);
        if (pairs.length > MAX_PARAMETERS) {
            throw OAuthException.invalidRequest("too many parameters");
        }
        for (String pair : pairs) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw OAuthException.invalidRequest("parameters must not contain NUL characters");
            }
            if (value.length() > MAX_VALUE_LENGTH) {
                throw OAuthException.invalidRequest("parameter " + safeName(name) + " is too long");
            }
            if (!value.isEmpty()) {
                values.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
        }
        return new FormParams(values);
    }

    /** The value (the first, if repeated), or null when absent or empty. */
    public String get(String name) {
        List<String> all = values.get(name);
        return all == null ? null : all.getFirst();
    }

    /** Every non-empty value sent for {@code name}, in order. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The first value of each parameter. */
    public Map<String, String> asMap() {
        Map<String, String> first = new LinkedHashMap<>();
        values.forEach((name, all) -> first.put(name, all.getFirst()));
        return first;
    }

    /** Names sent more than once with a value. */
    public Set<String> repeated() {
        Set<String> repeated = new LinkedHashSet<>();
        values.forEach((name, all) -> {
            if (all.size() > 1) {
                repeated.add(name);
            }
        });
        return repeated;
    }

    /** Refuses the request if any of {@code names} (or, for an empty list, any parameter) was repeated. */
    public FormParams rejectRepeated(List<String> names) {
        for (String name : repeated()) {
            if (names.isEmpty() || names.contains(name)) {
                throw OAuthException.invalidRequest("parameter " + safeName(name) + " is included more than once");
            }
        }
        return this;
    }

    public FormParams rejectRepeated() {
        return rejectRepeated(List.of());
    }

    /** A parameter name fit to echo in an error message. */
    /** {@code fields} as an application/x-www-form-urlencoded string (a query or a form body). */
    public static String encode(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    public static String safeName(String name) {
        String clipped = name.length() > 40 ? name.substring(0, 40) + "…" : name;
        return clipped.replaceAll("[^A-Za-z0-9_.:-]", "?");
    }

    private static boolean isPlainAscii(String part) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '+' || c == '%' || c > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String decode(String part) {
        if (isPlainAscii(part)) {
            return part; // nothing encoded: most OAuth values (tokens, IDs, grant types) are like this
        }
        var bytes = new ByteArrayOutputStream(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                if (i + 2 >= part.length()) {
                    throw brokenEncoding();
                }
                int hi = hexDigit(part.charAt(i + 1));
                int lo = hexDigit(part.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw brokenEncoding();
                }
                bytes.write((hi << 4) | lo);
                i += 2;
            } else if (c > 0x7f) {
                throw OAuthException.invalidRequest("parameters must be percent-encoded ASCII");
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw OAuthException.invalidRequest("parameters must be UTF-8");
        }
    }

    /** ASCII hex only: Character.digit would also take fullwidth and other scripts' digits. */
    private static int hexDigit(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }

    private static OAuthException brokenEncoding() {
        return OAuthException.invalidRequest("the parameters have broken percent-encoding");
    }
}
