package gatehouse.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL address as JDBC wants it. Accepts a JDBC URL ({@code jdbc:postgresql://host/db}) or
 * the URI form most platforms hand out ({@code postgresql://user:pass@host:5432/db}); credentials in
 * the URI win over the separate user and password settings.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {
    private static final Pattern URI_FORM = Pattern.compile(
            "postgres(?:ql)?://(?:([^@/?#]*)@)?(\\[[0-9A-Fa-f:.]+]|[^:/?#@\\[\\]]+)(?::(\\d{1,5}))?(/[^?#]*)?(?:\\?([^#]*))?");

    public static DatabaseUrl parse(String url, String user, String password) {
        if (url.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(url, user, password);
        }
        if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
            throw new IllegalArgumentException(
                    "GATEHOUSE_DATABASE_URL must start with jdbc:postgresql://, postgresql:// or postgres://");
        }
        // Parsed by hand: java.net.URI gives no host for names with underscores (docker service names).
        Matcher m = URI_FORM.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("GATEHOUSE_DATABASE_URL is not a valid postgresql:// URL");
        }
        String path = m.group(4) == null || m.group(4).isEmpty() ? "/" : m.group(4);
        String jdbc = "jdbc:postgresql://" + m.group(2) + (m.group(3) == null ? "" : ":" + m.group(3)) + path
                + (m.group(5) == null ? "" : "?" + m.group(5));
        String userInfo = m.group(1);
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            if (colon >= 0) {
                password = decode(userInfo.substring(colon + 1));
            }
        }
        return new DatabaseUrl(jdbc, user, password);
    }

    /** Percent-decoding of user info, where '+' is a plus, not a space (RFC 3986 §3.2.1). */
    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL without credentials, safe for the log. */
    @Override
    public String toString() {
        int query = jdbcUrl.indexOf('?');
        return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
    }
}
