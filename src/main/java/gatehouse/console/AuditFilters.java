package gatehouse.console;

import gatehouse.audit.AuditEntry;
import gatehouse.audit.AuditLog;
import gatehouse.store.Page;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The audit pages' filters, read from the query string: action, actor ID, app (client ID),
 * organization, and a time range given as the browser's {@code datetime-local} (read as UTC) or
 * as RFC 3339.
 */
final class AuditFilters {
    static final List<String> NAMES = List.of("action", "actor_id", "client_id", "organization_id", "since", "until");

    private AuditFilters() {
    }

    /** The query; {@code fixedOrg} (an organization's own page) wins over any organization_id sent. */
    static AuditLog.Query parse(FormParams query, UUID fixedOrg) {
        UUID org = fixedOrg != null ? fixedOrg
                : query.get("organization_id") == null ? null : JsonBody.parseUuid("organization_id", query.get("organization_id"));
        return new AuditLog.Query(query.get("action"), query.get("actor_id"), query.get("client_id"), org,
                instant(query, "since"), instant(query, "until"));
    }

    /** The same filters, as a query string (without the cursor). */
    static String queryString(FormParams query) {
        StringBuilder out = new StringBuilder();
        for (String name : NAMES) {
            String value = query.get(name);
            if (value != null) {
                out.append(out.isEmpty() ? "" : "&").append(name).append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }

    /** The link to the next page, or null on the last one. */
    static String nextLink(String path, FormParams query, Page<AuditEntry> page) {
        if (page.nextCursor() == null) {
            return null;
        }
        String filters = queryString(query);
        return path + "?" + (filters.isEmpty() ? "" : filters + "&") + "cursor=" + page.nextCursor();
    }

    private static Instant instant(FormParams query, String name) {
        return AuditLog.parseTime(name, query.get(name));
    }
}
