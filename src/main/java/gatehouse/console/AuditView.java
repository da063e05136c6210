package gatehouse.console;

import gatehouse.audit.AuditEntry;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import java.util.List;

/**
 * The model of audit.jte: an organization's audit log ({@code organizationName} set) or the
 * platform's (for admins, with the organization filter and the downloads).
 */
public record AuditView(Pages.Nav nav, String title, String path, String organizationName, List<Row> rows,
                        FormParams filters, String nextLink, String downloadQuery) {

    /** One entry with the names a person reads. */
    public record Row(AuditEntry entry, String appName, String organizationName) {
    }

    public String filter(String name) {
        String value = filters.get(name);
        return value == null ? "" : value;
    }

    public boolean platformWide() {
        return organizationName == null;
    }
}
